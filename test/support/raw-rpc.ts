import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { StreamMessageReader, type Message, type NotificationMessage, type ResponseMessage } from 'vscode-jsonrpc/node';
import { CLI } from './lab-env';

/** A helper in a namespace, spoken to byte by byte: for input no well-behaved client would send. */
export class RawHelperSession {
  readonly child: ChildProcessWithoutNullStreams;
  readonly inbox: Message[] = [];
  private waiters: (() => void)[] = [];
  private watchers: ((m: Message) => void)[] = [];

  constructor(netns: string, captureDir: string) {
    this.child = spawn('ip', ['netns', 'exec', netns, process.execPath, CLI, 'helper', '--capture-dir', captureDir]);
    new StreamMessageReader(this.child.stdout).listen((m) => {
      this.inbox.push(m);
      for (const watch of this.watchers) watch(m);
      for (const w of this.waiters.splice(0)) w();
    });
    this.child.stdin.on('error', () => undefined);
  }

  /** Sees every message as it arrives, whether or not it is later taken out of the inbox. */
  watch(fn: (m: Message) => void): void {
    this.watchers.push(fn);
  }

  write(bytes: string | Uint8Array): void {
    this.child.stdin.write(bytes);
  }

  frame(body: string | Uint8Array, length = Buffer.byteLength(body)): void {
    this.write(Buffer.concat([Buffer.from(`Content-Length: ${length}\r\n\r\n`), Buffer.from(body)]));
  }

  request(id: number | string, method: string, params?: unknown): void {
    this.frame(JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) }));
  }

  /** The next message matching `pred` (taken out of the inbox), within `ms`. */
  async next<T extends Message>(pred: (m: Message) => boolean, ms = 10_000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.inbox.findIndex(pred);
      if (i >= 0) return this.inbox.splice(i, 1)[0] as T;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no matching message in time');
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => (clearTimeout(t), r()));
      });
    }
  }

  reply(id: number | string, ms?: number): Promise<ResponseMessage> {
    return this.next<ResponseMessage>((m) => 'id' in m && !('method' in m) && m.id === id, ms);
  }

  notification(method: string, pred: (params: unknown) => boolean, ms?: number): Promise<NotificationMessage> {
    return this.next<NotificationMessage>((m) => 'method' in m && !('id' in m) && m.method === method && pred((m as NotificationMessage).params), ms);
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async close(ms = 5000): Promise<void> {
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), ms);
    if (this.alive) await new Promise((r) => this.child.once('exit', r));
    clearTimeout(timer);
  }
}
