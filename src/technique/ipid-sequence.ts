/**
 * nmap's IP ID sequence classes (osscan2.cc get_ipid_sequence_16 / identify_sequence), as its idle scan
 * names them when it accepts or refuses a zombie.
 */
export type IpIdSequence =
  'incremental' | 'incremental-by-2' | 'broken-incremental' | 'randomized' | 'random-positive-increments' | 'all-zeros' | 'constant' | 'unknown';

/** nmap's words for each class (ipidclass2ascii), quoted in the error that refuses a zombie. */
export const IPID_SEQUENCE_WORDS: Readonly<Record<IpIdSequence, string>> = {
  incremental: 'Incremental',
  'incremental-by-2': 'Incrementing by 2',
  'broken-incremental': 'Broken little-endian incremental',
  randomized: 'Randomized',
  'random-positive-increments': 'Random positive increments',
  'all-zeros': 'All zeros',
  constant: 'Duplicated ipid (!)',
  unknown: 'Busy server or unknown class',
};

/**
 * The width of the counter an idle scan reads: IPv4's IP ID has 16 bits; over IPv6 the idle scan reads the
 * 32-bit Identification of the zombie's fragment headers instead (nmap's ipv6_get_fragment_id).
 */
export type IpIdBits = 16 | 32;

/** n modulo 2^bits, as a non-negative number */
export function wrapIpId(n: number, bits: IpIdBits): number {
  return bits === 16 ? n & 0xffff : n >>> 0;
}

/** The classes whose next IP ID can be predicted from the last: an idle scan reads its side channel only from these. */
export const PREDICTABLE_SEQUENCES: readonly IpIdSequence[] = ['incremental', 'incremental-by-2', 'broken-incremental'];

/** Two answers this far apart (mod 2^16) mean a random generator, not a counter some other traffic moved. */
const RANDOM_GAP = 20000;
/** A gap above this that is not a byte-swapped step is a random positive increment. */
const RPI_GAP = 1000;
/** Byte-swapped counters step by 256 (their low byte is the counter's high one); nmap allows up to 20 such steps. */
const BROKEN_MAX_GAP = 5120;
const BROKEN_RPI_GAP = 25600;
/** A counter that only our probes move steps by 1; up to this many means some traffic of its own between them. */
const INCREMENTAL_MAX_GAP = 9;

/**
 * The class of the IP IDs one host gave in successive answers, as nmap decides it. Gaps are taken mod
 * 2^16: a 16-bit counter that wraps between two answers keeps its class (nmap 7.93 reads that one gap
 * as "Randomized", a one-in-ten-thousand refusal of a good zombie that this does not repeat).
 */
export function ipIdSequenceClass(ids: readonly number[], bits: IpIdBits = 16): IpIdSequence {
  if (ids.length < 2) return 'unknown';
  if (ids.every((id) => id === 0)) return 'all-zeros';
  const gaps = ids.slice(1).map((id, i) => wrapIpId(id - ids[i]!, bits));
  if (ids.length > 2 && gaps.some((g) => g > RANDOM_GAP)) return 'randomized';
  if (gaps.every((g) => g === 0)) return 'constant';
  if (gaps.some((g) => g > RPI_GAP && (g % 256 !== 0 || g >= BROKEN_RPI_GAP))) return 'random-positive-increments';
  if (gaps.every((g) => g % 256 === 0 && g <= BROKEN_MAX_GAP)) return 'broken-incremental';
  if (gaps.every((g) => g % 2 === 0)) return 'incremental-by-2';
  if (gaps.every((g) => g <= INCREMENTAL_MAX_GAP)) return 'incremental';
  return 'unknown';
}

const byteSwapped = (id: number) => ((id & 0xff) << 8) | (id >> 8);

/**
 * How many packets the host sent between an answer with IP ID `from` and a later one with `to`, by its
 * class; undefined for a class whose IDs say nothing about that.
 */
export function ipIdDistance(sequence: IpIdSequence, from: number, to: number, bits: IpIdBits = 16): number | undefined {
  switch (sequence) {
    case 'incremental':
      return wrapIpId(to - from, bits);
    case 'broken-incremental':
      return (byteSwapped(to) - byteSwapped(from)) & 0xffff;
    case 'incremental-by-2':
      return wrapIpId(to - from, bits) >>> 1;
    default:
      return undefined;
  }
}

/** The IP ID the host gives its `packets`-th packet after one with IP ID `id`, by its class; undefined for an unpredictable class. */
export function ipIdAfter(sequence: IpIdSequence, id: number, packets: number, bits: IpIdBits = 16): number | undefined {
  switch (sequence) {
    case 'incremental':
      return wrapIpId(id + packets, bits);
    case 'broken-incremental':
      return byteSwapped((byteSwapped(id) + packets) & 0xffff);
    case 'incremental-by-2':
      return wrapIpId(id + 2 * packets, bits);
    default:
      return undefined;
  }
}
