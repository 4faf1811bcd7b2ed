import { readFileSync } from 'node:fs';
import { readPcap, type PcapContents } from './reader';

/** readPcap on a file; an unreadable file is reported in `error`, not thrown. */
export function readPcapFile(path: string): PcapContents {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    return { linkType: -1, records: [], truncated: false, error: `cannot read ${path}: ${(err as Error).message}` };
  }
  return readPcap(bytes);
}
