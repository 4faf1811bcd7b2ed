/** Big-endian reads and writes of packet fields, and copies of byte ranges. */

export function writeU16(bytes: Uint8Array, offset: number, v: number): void {
  bytes[offset] = (v >>> 8) & 255;
  bytes[offset + 1] = v & 255;
}

export function writeU32(bytes: Uint8Array, offset: number, v: number): void {
  bytes[offset] = (v >>> 24) & 255;
  bytes[offset + 1] = (v >>> 16) & 255;
  bytes[offset + 2] = (v >>> 8) & 255;
  bytes[offset + 3] = v & 255;
}

const NO_BYTES = new Uint8Array(0);

/**
 * bytes.slice(start, end), except that an empty range gives one shared empty array: a full-range scan's
 * capture decodes to ~130,000 frames, each with empty IP options and an empty TCP payload, and an empty typed
 * array costs as much memory as a short one. Nothing can be written into an array of length 0.
 */
export function sliceBytes(bytes: Uint8Array, start: number, end: number): Uint8Array {
  return end > start ? bytes.slice(start, end) : NO_BYTES;
}

export function readU16(bytes: Uint8Array, offset: number): number {
  return (bytes[offset]! << 8) | bytes[offset + 1]!;
}

export function readU32(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0;
}
