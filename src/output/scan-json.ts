import { closeSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { PortResult, ScanDocument } from '../protocol';

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
  head: Omit<ScanDocument, 'results'>,
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
const RESULTS_OPEN = '  "results": [';
const RESULTS_EMPTY = '  "results": []';
const RESULT_OPEN = '    {';
const RESULTS_CLOSE = '  ]';

/**
 * A scan document that writeScanJson wrote pretty (results.json), read piece by piece: its head at once (checked
 * against ScanDocument), its results one at a time as `results()` is walked, each checked against PortResult, which
 * throws NotAScanJsonFile at the first that is not. Undefined when the head is not in that layout or not valid.
 * Merging a new scan into a folder of full-range scans so never holds them whole: JSON.parse of the file and its
 * check took ~230 MB for one full-range SYN scan. A streaming JSON parser would take any layout, but reads
 * tokens in JS, several times slower than JSON.parse on each result's text.
 */
export function readScanJsonPieces(path: string): { head: Omit<ScanDocument, 'results'>; results: () => Generator<PortResult> } | undefined {
  const lines = fileLines(path);
  const headLines: string[] = [];
  let resultsLine: string | undefined;
  let head: Omit<ScanDocument, 'results'> | undefined;
  try {
    while (resultsLine === undefined) {
      const next = lines.next();
      if (next.done) break;
      if (next.value === RESULTS_OPEN || next.value === RESULTS_EMPTY) resultsLine = next.value;
      else headLines.push(next.value);
    }
    const parsed = ScanDocument.safeParse(JSON.parse(`${headLines.join('\n')}\n  "results": []\n}`));
    if (resultsLine !== undefined && parsed.success) {
      const { results: _none, ...rest } = parsed.data;
      head = rest;
    }
  } catch {
    // unreadable, or not JSON: not a file to read piece by piece
  }
  if (head === undefined) {
    lines.return(undefined);
    return undefined;
  }
  return {
    head,
    results: function* () {
      try {
        if (resultsLine === RESULTS_OPEN) yield* resultsOf(lines);
        const end = lines.next();
        if (end.done || end.value !== '}' || [...lines].some((l) => l !== '')) throw new NotAScanJsonFile('the file does not end after its results');
      } finally {
        lines.return(undefined);
      }
    },
  };
}

function* resultsOf(lines: Generator<string>): Generator<PortResult> {
  for (;;) {
    const open = lines.next();
    if (open.done) throw new NotAScanJsonFile('the file ends inside its results');
    if (open.value === RESULTS_CLOSE) return;
    if (open.value !== RESULT_OPEN) throw new NotAScanJsonFile('a result does not start on a line of its own');
    let text = '{';
    for (;;) {
      const line = lines.next();
      if (line.done) throw new NotAScanJsonFile('the file ends inside a result');
      if (line.value === '    }' || line.value === '    },') {
        text += '}';
        break;
      }
      text += line.value;
    }
    let parsed;
    try {
      parsed = PortResult.safeParse(JSON.parse(text));
    } catch {
      throw new NotAScanJsonFile('a result is not JSON');
    }
    if (!parsed.success) throw new NotAScanJsonFile('a result is not what a scan writes');
    yield parsed.data;
  }
}

/** The file's lines, read READ_BYTES at a time; the file is closed when the walk ends or is given up. */
function* fileLines(path: string): Generator<string> {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(READ_BYTES);
    const decoder = new StringDecoder('utf8');
    let rest = '';
    for (;;) {
      const n = readSync(fd, buffer, 0, READ_BYTES, null);
      if (n === 0) break;
      const parts = (rest + decoder.write(buffer.subarray(0, n))).split('\n');
      rest = parts.pop()!;
      yield* parts;
    }
    rest += decoder.end();
    if (rest !== '') yield rest;
  } finally {
    closeSync(fd);
  }
}
