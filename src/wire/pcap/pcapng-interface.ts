import { PCAPNG_DEFAULT_TSRESOL, PCAPNG_OPTION_END, PCAPNG_OPTION_IF_TSOFFSET, PCAPNG_OPTION_IF_TSRESOL } from './format';

/** What an Interface Description Block (pcapng draft, section 4.2) says about the packets captured on it. */
export interface PcapngInterface {
  linkType: number;
  /** 0: no limit */
  snapLen: number;
  /** if_tsresol: timestamp units per second */
  unitsPerSecond: bigint;
  /** if_tsoffset: seconds to add to every timestamp */
  offsetSeconds: number;
}

const MICROS_PER_SECOND = 1_000_000n;

/**
 * The interface whose block body (link type, reserved, snaplen, options) spans [body, end). Options that
 * run past the block are ignored from there on: the timestamps keep the defaults, the packets stay readable.
 */
export function readInterfaceDescription(view: DataView, body: number, end: number, littleEndian: boolean): PcapngInterface {
  const iface: PcapngInterface = {
    linkType: view.getUint16(body, littleEndian),
    snapLen: view.getUint32(body + 4, littleEndian),
    unitsPerSecond: 10n ** BigInt(PCAPNG_DEFAULT_TSRESOL),
    offsetSeconds: 0,
  };
  let option = body + 8;
  while (end - option >= 4) {
    const code = view.getUint16(option, littleEndian);
    const length = view.getUint16(option + 2, littleEndian);
    const value = option + 4;
    if (code === PCAPNG_OPTION_END || end - value < length) break;
    if (code === PCAPNG_OPTION_IF_TSRESOL && length >= 1) {
      // high bit set: a power of two, else a power of ten
      const resolution = view.getUint8(value);
      iface.unitsPerSecond = resolution & 0x80 ? 1n << BigInt(resolution & 0x7f) : 10n ** BigInt(resolution);
    } else if (code === PCAPNG_OPTION_IF_TSOFFSET && length >= 8) {
      iface.offsetSeconds = Number(view.getBigInt64(value, littleEndian));
    }
    option = value + ((length + 3) & ~3);
  }
  return iface;
}

/** A packet's 64-bit timestamp (two 32-bit halves, in the interface's units) in microseconds since the epoch, rounded down. */
export function timestampMicros(iface: PcapngInterface, high: number, low: number): number {
  const offsetMicros = iface.offsetSeconds * 1_000_000;
  // the usual resolution needs no big integers: microsecond counts stay below 2^53 until the year 2255
  if (iface.unitsPerSecond === MICROS_PER_SECOND) return high * 2 ** 32 + low + offsetMicros;
  const units = (BigInt(high) << 32n) | BigInt(low);
  return Number((units * MICROS_PER_SECOND) / iface.unitsPerSecond) + offsetMicros;
}
