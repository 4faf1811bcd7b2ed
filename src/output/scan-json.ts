import type { ScanDocument } from '../protocol';

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
