import { readU16, readU32, writeU16, writeU32 } from './bytes';

export interface TcpOption {
  kind: number;
  /** the bytes after kind and length; absent for EOL (0) and NOP (1) */
  data?: Uint8Array;
}

export const TCPOPT_EOL = 0;
export const TCPOPT_NOP = 1;
export const TCPOPT_MSS = 2;
export const TCPOPT_WINDOW_SCALE = 3;
export const TCPOPT_SACK_PERMITTED = 4;
export const TCPOPT_SACK = 5;
export const TCPOPT_TIMESTAMP = 8;

export function mssOption(mss: number): TcpOption {
  const data = new Uint8Array(2);
  writeU16(data, 0, mss);
  return { kind: TCPOPT_MSS, data };
}

export function windowScaleOption(shift: number): TcpOption {
  return { kind: TCPOPT_WINDOW_SCALE, data: Uint8Array.of(shift & 255) };
}

export function sackPermittedOption(): TcpOption {
  return { kind: TCPOPT_SACK_PERMITTED, data: new Uint8Array(0) };
}

export function timestampOption(tsval: number, tsecr: number): TcpOption {
  const data = new Uint8Array(8);
  writeU32(data, 0, tsval);
  writeU32(data, 4, tsecr);
  return { kind: TCPOPT_TIMESTAMP, data };
}

export function nopOption(): TcpOption {
  return { kind: TCPOPT_NOP };
}

function find(options: readonly TcpOption[], kind: number, length: number): Uint8Array | undefined {
  const data = options.find((o) => o.kind === kind)?.data;
  return data && data.length === length ? data : undefined;
}

export function readMss(options: readonly TcpOption[]): number | undefined {
  const data = find(options, TCPOPT_MSS, 2);
  return data ? readU16(data, 0) : undefined;
}

export function readWindowScale(options: readonly TcpOption[]): number | undefined {
  return find(options, TCPOPT_WINDOW_SCALE, 1)?.[0];
}

export function hasSackPermitted(options: readonly TcpOption[]): boolean {
  return options.some((o) => o.kind === TCPOPT_SACK_PERMITTED);
}

export function readTimestamp(options: readonly TcpOption[]): { tsval: number; tsecr: number } | undefined {
  const data = find(options, TCPOPT_TIMESTAMP, 8);
  return data ? { tsval: readU32(data, 0), tsecr: readU32(data, 4) } : undefined;
}

/**
 * Options in bytes[start, end). EOL ends the list (padding after it is not reported); a malformed
 * option (length < 2 or past the end) ends it too, keeping the options parsed before it.
 */
export function decodeTcpOptions(bytes: Uint8Array, start: number, end: number): TcpOption[] {
  const options: TcpOption[] = [];
  let i = start;
  while (i < end) {
    const kind = bytes[i]!;
    if (kind === TCPOPT_EOL) break;
    if (kind === TCPOPT_NOP) {
      options.push({ kind });
      i += 1;
      continue;
    }
    if (i + 1 >= end) break;
    const length = bytes[i + 1]!;
    if (length < 2 || i + length > end) break;
    options.push({ kind, data: bytes.slice(i + 2, i + length) });
    i += length;
  }
  return options;
}

/** Encoded length of options, padded to a multiple of 4. */
export function tcpOptionsLength(options: readonly TcpOption[]): number {
  let n = 0;
  for (const o of options) n += o.kind === TCPOPT_EOL || o.kind === TCPOPT_NOP ? 1 : 2 + (o.data?.length ?? 0);
  return (n + 3) & ~3;
}

/** Write options at offset, zero-padded (EOL) to a multiple of 4; returns the padded length. */
export function writeTcpOptions(buf: Uint8Array, offset: number, options: readonly TcpOption[]): number {
  const padded = tcpOptionsLength(options);
  let i = offset;
  for (const o of options) {
    buf[i++] = o.kind;
    if (o.kind === TCPOPT_EOL || o.kind === TCPOPT_NOP) continue;
    const data = o.data ?? new Uint8Array(0);
    buf[i++] = 2 + data.length;
    buf.set(data, i);
    i += data.length;
  }
  buf.fill(0, i, offset + padded);
  return padded;
}
