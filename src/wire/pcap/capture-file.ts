import { readFileSync } from 'node:fs';
import { readCapture, type CaptureContents } from './capture';

/** readCapture on a file; an unreadable file is reported in `error`, not thrown. */
export function readCaptureFile(path: string): CaptureContents {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    return { format: undefined, records: [], truncated: false, error: `cannot read ${path}: ${(err as Error).message}`, unsupportedLinkTypes: [] };
  }
  return readCapture(bytes);
}
