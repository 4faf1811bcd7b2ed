import { closeSync, openSync, writeFileSync } from 'node:fs';

/** Where streamed text goes, one piece after another. */
export type TextSink = (chunk: string) => void;

/** Pieces handed to the sink are about this long: a full-range report takes a few hundred writes and is never held whole. */
const CHUNK_CHARS = 1 << 16;

/** Lines gathered into pieces of about 64 KiB for a sink. */
export class ChunkedLines {
  private chunk = '';

  constructor(private readonly sink: TextSink) {}

  line(text: string): void {
    this.chunk += `${text}\n`;
    if (this.chunk.length >= CHUNK_CHARS) this.flush();
  }

  /** Hands over what is gathered; call once at the end. */
  flush(): void {
    if (this.chunk.length === 0) return;
    const chunk = this.chunk;
    this.chunk = '';
    this.sink(chunk);
  }
}

/** The text of everything `fill` writes, as one string (small documents, tests). */
export function collectText(fill: (sink: TextSink) => void): string {
  const pieces: string[] = [];
  fill((chunk) => pieces.push(chunk));
  return pieces.join('');
}

/** Writes the file at `path` (created, or emptied first) piece by piece as `fill` hands them over. */
export function writeTextFile(path: string, fill: (sink: TextSink) => void): void {
  const fd = openSync(path, 'w');
  try {
    // writeFileSync on a descriptor appends at its position and repeats short writes until all is written
    fill((chunk) => writeFileSync(fd, chunk));
  } finally {
    closeSync(fd);
  }
}
