import type { Readable } from 'node:stream';
import { AbstractMessageReader, type DataCallback, type Disposable, type Message, type MessageReader } from 'vscode-jsonrpc/node';

/** Something the client sent that is not a JSON-RPC message; the server answers it with this error. */
export interface BadInput {
  code: number;
  message: string;
  /** the request id, when the message was JSON with an id */
  id?: string | number | null;
}

const HEADER_LIMIT = 8 * 1024;
const CONTENT_LENGTH = /content-length:/i;
/** A body that has not arrived in full after this long is a framing error, not a slow writer. */
const STALLED_BODY_MS = 2000;

/**
 * A Content-Length-framed reader like vscode-jsonrpc's, hardened for a root process facing any
 * client: messages above `maxMessageBytes` are skipped without being buffered, and after garbage,
 * a wrong Content-Length or a body that is not JSON it resynchronises on the next
 * "Content-Length:" header instead of staying out of step. vscode-jsonrpc's own reader buffers any
 * length and only reports such errors, so a wrong length there swallows every later request.
 */
export class BoundedMessageReader extends AbstractMessageReader implements MessageReader {
  private buffer: Buffer = Buffer.alloc(0);
  private bodyLength = -1;
  private skipRemaining = 0;
  /**
   * The skipped bytes of an over-limit message, kept while they fit in the limit: when its body stalls,
   * the declared length was a lie and the requests sent after it are in here.
   */
  private skipped: Buffer[] | undefined;
  private skippedBytes = 0;
  private bodyStartedAt = 0;
  private stallTimer: NodeJS.Timeout | undefined;
  private callback: DataCallback | undefined;

  constructor(
    private readonly readable: Readable,
    private readonly maxMessageBytes: number,
    private readonly onBadInput: (bad: BadInput) => void,
  ) {
    super();
  }

  listen(callback: DataCallback): Disposable {
    this.callback = callback;
    const onData = (chunk: Buffer) => this.onData(chunk);
    const onClose = () => this.fireClose();
    const onError = (err: Error) => this.fireError(err);
    this.readable.on('data', onData);
    this.readable.on('end', onClose);
    this.readable.on('close', onClose);
    this.readable.on('error', onError);
    return {
      dispose: () => {
        clearTimeout(this.stallTimer);
        this.readable.off('data', onData);
        this.readable.off('end', onClose);
        this.readable.off('close', onClose);
        this.readable.off('error', onError);
      },
    };
  }

  private onData(chunk: Buffer): void {
    if (this.skipRemaining > 0) {
      chunk = this.skip(chunk);
      if (chunk.length === 0) return;
    }
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    this.drain();
  }

  private drain(): void {
    for (;;) {
      if (this.bodyLength < 0 && !this.readHeader()) return;
      if (this.skipRemaining > 0) {
        this.buffer = this.skip(this.buffer);
        this.bodyLength = -1;
        if (this.skipRemaining > 0) return;
        continue;
      }
      if (this.buffer.length < this.bodyLength) {
        this.watchForStall();
        return;
      }
      clearTimeout(this.stallTimer);
      const body = this.buffer.subarray(0, this.bodyLength);
      this.buffer = this.buffer.subarray(this.bodyLength);
      this.bodyLength = -1;
      this.deliver(body);
    }
  }

  /** Parses one header block at the start of the buffer; false when more bytes are needed. */
  private readHeader(): boolean {
    const text = this.buffer.toString('latin1', 0, Math.min(this.buffer.length, HEADER_LIMIT + 4));
    const start = text.search(CONTENT_LENGTH);
    if (start < 0) {
      // Whole lines without a Content-Length (raw JSON, garbage) can never become a message.
      const lastNewline = text.lastIndexOf('\n');
      if (lastNewline >= 0) {
        if (text.slice(0, lastNewline).trim() !== '') this.bad(-32700, 'Parse error: expected a Content-Length header; input discarded');
        this.buffer = this.buffer.subarray(lastNewline + 1);
        return false;
      }
      if (this.buffer.length > HEADER_LIMIT) {
        this.bad(-32700, 'Parse error: no Content-Length header in the first 8 KiB; input discarded');
        this.buffer = this.buffer.subarray(this.buffer.length - 16);
      }
      return false;
    }
    if (start > 0) {
      if (text.slice(0, start).trim() !== '') this.bad(-32700, 'Parse error: bytes before the Content-Length header were discarded');
      this.buffer = this.buffer.subarray(start);
      return this.readHeader();
    }
    const end = text.indexOf('\r\n\r\n');
    if (end < 0) {
      if (this.buffer.length > HEADER_LIMIT) {
        this.bad(-32700, 'Parse error: header block longer than 8 KiB');
        this.buffer = this.buffer.subarray(1);
        return this.readHeader();
      }
      return false;
    }
    const value = /^content-length:[ \t]*(\S*)/im.exec(text.slice(0, end))?.[1] ?? '';
    this.buffer = this.buffer.subarray(end + 4);
    if (!/^\d{1,10}$/.test(value)) {
      this.bad(-32700, `Parse error: Content-Length "${value.slice(0, 20)}" is not a number`);
      return this.readHeader();
    }
    const length = Number(value);
    if (length > this.maxMessageBytes) {
      this.bad(-32600, `Invalid Request: message of ${length} bytes is larger than the limit of ${this.maxMessageBytes} bytes; skipped`);
      this.skipRemaining = length;
      this.skipped = [];
      this.skippedBytes = 0;
    }
    this.bodyLength = length;
    this.bodyStartedAt = Date.now();
    return true;
  }

  /** Skips what is left of an over-limit message at the start of `data`; returns the bytes after it. */
  private skip(data: Buffer): Buffer {
    const n = Math.min(this.skipRemaining, data.length);
    this.skipRemaining -= n;
    if (this.skipRemaining === 0) this.skipped = undefined;
    else if (this.skipped) {
      this.skippedBytes += n;
      // more than the limit really arrived: a big message, not a lie; skip it without keeping it
      if (this.skippedBytes > this.maxMessageBytes) this.skipped = undefined;
      else {
        this.skipped.push(data.subarray(0, n));
        this.watchForStall();
      }
    }
    return data.subarray(n);
  }

  /** An over-limit length whose body stalled was a lie: resync on the first header among the skipped bytes. */
  private resyncSkipped(): void {
    if (!this.skipped) return;
    if (this.stallRemainingMs() > 0) return this.watchForStall();
    const kept = Buffer.concat(this.skipped);
    const next = kept.toString('latin1').slice(1).search(CONTENT_LENGTH);
    if (next < 0) return;
    this.bad(-32700, `Parse error: message shorter than its Content-Length (${next + 1} bytes before the next header)`);
    this.skipRemaining = 0;
    this.skipped = undefined;
    this.buffer = Buffer.concat([kept.subarray(next + 1), this.buffer]);
    this.drain();
  }

  /** A Content-Length longer than its body swallows the next message: after a pause, resync on it. */
  private watchForStall(): void {
    if (this.stallTimer) return;
    this.stallTimer = setTimeout(
      () => {
        this.stallTimer = undefined;
        if (this.skipRemaining > 0) return this.resyncSkipped();
        if (this.bodyLength < 0 || this.buffer.length >= this.bodyLength) return;
        if (this.stallRemainingMs() > 0) return this.watchForStall();
        const next = this.buffer.toString('latin1').slice(1).search(CONTENT_LENGTH);
        this.bad(-32700, `Parse error: message shorter than its Content-Length (${this.buffer.length} of ${this.bodyLength} bytes)`);
        this.buffer = next >= 0 ? this.buffer.subarray(next + 1) : Buffer.alloc(0);
        this.bodyLength = -1;
        this.drain();
      },
      Math.max(1, this.stallRemainingMs()),
    );
    this.stallTimer.unref();
  }

  /**
   * Time left before the current body counts as stalled. Timers run on the monotonic clock and may fire
   * a millisecond before Date.now() says the time is up; waiting only the rest keeps the resync on time.
   */
  private stallRemainingMs(): number {
    return STALLED_BODY_MS - (Date.now() - this.bodyStartedAt);
  }

  private deliver(body: Buffer): void {
    let message: unknown;
    try {
      message = JSON.parse(body.toString('utf8'));
    } catch {
      this.bad(-32700, 'Parse error: the message body is not JSON');
      // a too-short Content-Length leaves the rest of this message in front of the next header
      const next = body.toString('latin1').search(CONTENT_LENGTH);
      if (next >= 0) this.buffer = Buffer.concat([body.subarray(next), this.buffer]);
      return;
    }
    const problem = notJsonRpc(message);
    if (problem) {
      const id = isObject(message) && (typeof message.id === 'string' || typeof message.id === 'number') ? message.id : null;
      this.bad(-32600, `Invalid Request: ${problem}`, id);
      return;
    }
    this.callback?.(message as Message);
  }

  private bad(code: number, message: string, id: string | number | null = null): void {
    this.onBadInput({ code, message, id });
  }
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Why a parsed body is not a JSON-RPC 2.0 request, notification or response (undefined when it is). */
function notJsonRpc(m: unknown): string | undefined {
  if (Array.isArray(m)) return 'batches are not supported';
  if (!isObject(m)) return 'expected a JSON object';
  if (m.jsonrpc !== '2.0') return 'jsonrpc must be "2.0"';
  if ('id' in m && !(typeof m.id === 'string' || (typeof m.id === 'number' && Number.isFinite(m.id)) || m.id === null))
    return 'id must be a string or a number';
  if ('method' in m) {
    if (typeof m.method !== 'string') return 'method must be a string';
    if ('params' in m && !(isObject(m.params) || Array.isArray(m.params))) return 'params must be an object';
    // vscode-jsonrpc reads params.id of a cancel before any check: without one it throws and the helper dies.
    if (m.method === '$/cancelRequest' && !(isObject(m.params) && (typeof m.params.id === 'string' || typeof m.params.id === 'number')))
      return '$/cancelRequest needs params { id } naming a request';
    return undefined;
  }
  if ('result' in m || 'error' in m) return undefined;
  return 'neither a request nor a response';
}
