import { closeSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { z } from 'zod';
import { ScanDocument, type BarePortResult, type ScanHead } from '../protocol';

/** Stands in for the results while the rest of the document is stringified; no argv or name can hold a NUL. */
const PLACEHOLDER = '\u0000results\u0000';
/**
 * 16 KB pieces, not 64: each result's text (the engine's) is a rope of small strings until written, and a piece
 * held longer survives the young generation's collections, which copy it every time (measured, S1 `--json`:
 * 175 ms with 64 KB pieces, 110 ms with 16 KB; JSON.stringify's flat texts gained nothing either way).
 */
const CHUNK_CHARS = 1 << 14;

/**
 * Writes `JSON.stringify(doc)` (or `JSON.stringify(doc, null, 2)` when pretty) byte for byte, with
 * `results` taken one at a time, each already as portResultJson (src/protocol/scan.ts) writes it in the same
 * form (resultTexts, or the engine's ScanOutcome.resultsJson): a full-range scan's document is tens of MB,
 * and one string of it (plus the objects behind it) was most of the CLI's peak memory. `results` is the
 * document's last key. `write` may return a promise (a pipe's backpressure): the next piece waits for it.
 */
export async function writeScanJson(
  write: (chunk: string) => void | Promise<void>,
  head: ScanHead,
  resultTexts: Iterable<string>,
  pretty: boolean,
): Promise<void> {
  const text = pretty ? JSON.stringify({ ...head, results: PLACEHOLDER }, null, 2) : JSON.stringify({ ...head, results: PLACEHOLDER });
  const marker = JSON.stringify(PLACEHOLDER);
  const at = text.lastIndexOf(marker);
  let chunk = `${text.slice(0, at)}[`;
  let first = true;
  for (const r of resultTexts) {
    if (!first) chunk += ',';
    chunk += pretty ? `\n    ${r}` : r;
    first = false;
    if (chunk.length >= CHUNK_CHARS) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(`${chunk}${pretty && !first ? '\n  ]' : ']'}${text.slice(at + marker.length)}`);
}

/** A results.json that is not in writeScanJson's pretty layout, or holds a result its schema refuses. */
export class NotAScanJsonFile extends Error {}

/** How much of the file is read at a time: one full-range scan with its exchanges is ~40 MB of text. */
const READ_BYTES = 1 << 20;
/** Where writeScanJson's pretty document opens its results: the last key, at the top level. */
const RESULTS_KEY = '\n  "results": [';
/** Each result opens and closes on a line of its own, four spaces in (what it holds is indented further). */
const RESULT_OPEN = '\n    {';
const RESULT_CLOSE = '\n    }';
const RESULTS_CLOSE = '\n  ]';

/**
 * A scan document that writeScanJson wrote pretty (results.json), read piece by piece: its head at once (checked
 * against ScanDocument), its results one at a time as `results()` is walked (again from the file on each walk),
 * each checked against `result` (PortResult, or BarePortResult to leave the exchanges out), which throws
 * NotAScanJsonFile at the first that is not. Undefined when the file
 * cannot be read, or its head is not in that layout or not valid.
 * Merging a new scan into a folder of full-range scans so never holds them whole: JSON.parse of the file and its
 * check took ~230 MB for one full-range SYN scan. A streaming JSON parser would take any layout, but reads
 * tokens in JS, several times slower than JSON.parse on each result's text.
 */
export function readScanJsonPieces<R extends BarePortResult>(path: string, result: z.ZodType<R>): { head: ScanHead; results: () => Generator<R> } | undefined {
  let head: ScanHead | undefined;
  let resultsAt = 0;
  let empty = false;
  try {
    const text = new FileText(path, 0);
    try {
      const before = text.upTo(RESULTS_KEY);
      if (before === undefined) return undefined;
      empty = text.peek(1) === ']';
      resultsAt = Buffer.byteLength(before + RESULTS_KEY);
      const parsed = ScanDocument.safeParse(JSON.parse(`${before}\n  "results": []\n}`));
      if (!parsed.success) return undefined;
      const { results: _none, ...rest } = parsed.data;
      head = rest;
    } finally {
      text.close();
    }
  } catch {
    return undefined;
  }
  return {
    head,
    results: function* () {
      const text = new FileText(path, resultsAt);
      try {
        if (empty) text.skip(1);
        else yield* resultsOf(text, result);
        if (!/^\n}\n?$/.test(text.rest())) throw new NotAScanJsonFile('the file does not end after its results');
      } finally {
        text.close();
      }
    },
  };
}

function* resultsOf<R>(text: FileText, result: z.ZodType<R>): Generator<R> {
  for (;;) {
    if (text.peek(RESULT_OPEN.length) !== RESULT_OPEN) throw new NotAScanJsonFile('a result does not start on a line of its own');
    text.skip(RESULT_OPEN.length);
    const inside = text.upTo(RESULT_CLOSE);
    if (inside === undefined) throw new NotAScanJsonFile('the file ends inside a result');
    let parsed;
    try {
      parsed = result.safeParse(JSON.parse(`{${inside}}`));
    } catch {
      throw new NotAScanJsonFile('a result is not JSON');
    }
    if (!parsed.success) throw new NotAScanJsonFile('a result is not what a scan writes');
    yield parsed.data;
    if (text.peek(1) === ',') text.skip(1);
    else if (text.peek(RESULTS_CLOSE.length) === RESULTS_CLOSE) return text.skip(RESULTS_CLOSE.length);
    else throw new NotAScanJsonFile('a result is followed by neither another nor the end of the results');
  }
}

/** A file's text from a byte offset on, read READ_BYTES at a time as far as a search needs. */
class FileText {
  private readonly fd: number;
  private readonly buffer = Buffer.allocUnsafe(READ_BYTES);
  private readonly decoder = new StringDecoder('utf8');
  private text = '';
  private at = 0;
  private ended = false;

  constructor(
    path: string,
    private position: number,
  ) {
    this.fd = openSync(path, 'r');
  }

  /** The text from here to the next `marker`, moving past the marker; undefined when the file ends without one. */
  upTo(marker: string): string | undefined {
    for (;;) {
      const found = this.text.indexOf(marker, this.at);
      if (found >= 0) {
        const piece = this.text.slice(this.at, found);
        this.at = found + marker.length;
        return piece;
      }
      if (!this.readMore()) return undefined;
    }
  }

  /** The next `length` characters (fewer at the end of the file), without moving past them. */
  peek(length: number): string {
    while (this.text.length - this.at < length && this.readMore());
    return this.text.slice(this.at, this.at + length);
  }

  skip(length: number): void {
    this.at += this.peek(length).length;
  }

  /** The rest of the file. */
  rest(): string {
    while (this.readMore());
    return this.text.slice(this.at);
  }

  close(): void {
    closeSync(this.fd);
  }

  /** false once the file has ended and everything in it is in `text` */
  private readMore(): boolean {
    if (this.ended) return false;
    const n = readSync(this.fd, this.buffer, 0, READ_BYTES, this.position);
    this.position += n;
    this.ended = n === 0;
    // What was read already is dropped: a search reads one more piece at a time, never the whole file.
    this.text = this.text.slice(this.at) + (this.ended ? this.decoder.end() : this.decoder.write(this.buffer.subarray(0, n)));
    this.at = 0;
    return true;
  }
}
