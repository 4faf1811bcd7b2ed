import type { PortResult, ScanDocument } from '../protocol';

/** Stands in for the results while the rest of the document is stringified; no argv or name can hold a NUL. */
const PLACEHOLDER = '\u0000results\u0000';
const CHUNK_CHARS = 1 << 16;

/**
 * Writes `JSON.stringify(doc)` (or `JSON.stringify(doc, null, 2)` when pretty) byte for byte, with
 * `results` taken one at a time: a full-range scan's document is tens of MB, and one string of it
 * (plus the objects behind it) was most of the CLI's peak memory. `results` is the document's last key.
 * `write` may return a promise (a pipe's backpressure): the next piece waits for it.
 */
export async function writeScanJson(
  write: (chunk: string) => void | Promise<void>,
  head: Omit<ScanDocument, 'results'>,
  results: Iterable<PortResult>,
  pretty: boolean,
): Promise<void> {
  const text = pretty ? JSON.stringify({ ...head, results: PLACEHOLDER }, null, 2) : JSON.stringify({ ...head, results: PLACEHOLDER });
  const marker = JSON.stringify(PLACEHOLDER);
  const at = text.lastIndexOf(marker);
  let chunk = `${text.slice(0, at)}[`;
  let first = true;
  for (const r of results) {
    if (!first) chunk += ',';
    chunk += pretty ? `\n    ${JSON.stringify(r, null, 2).replaceAll('\n', '\n    ')}` : JSON.stringify(r);
    first = false;
    if (chunk.length >= CHUNK_CHARS) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(`${chunk}${pretty && !first ? '\n  ]' : ']'}${text.slice(at + marker.length)}`);
}
