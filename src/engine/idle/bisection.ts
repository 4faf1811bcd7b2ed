import type { PortVerdict } from '../../technique';

/** Port indices (into the scan's port list) whose spoofed SYNs go out together in one round. */
export type PortGroup = readonly number[];

/** What one round of a group gave: the zombie's IP ID rise (0..ports), and the round's number, which decided ports name. */
export interface GroupCount {
  rise: number;
  round: number;
}

/** A port decided by the round `round`. */
export interface IdleDecision {
  index: number;
  verdict: PortVerdict;
  round: number;
}

/** The bisection asks for a group to be counted, or hands over the ports of a finished top-level group. */
export type BisectionStep =
  | { kind: 'count'; group: PortGroup }
  /** `phantoms`: so far, the groups whose count showed more open ports than their halves held (nmap's "is the proxy really idle?") */
  | { kind: 'decided'; decisions: IdleDecision[]; phantoms: number };

/** What decides a group from its count: the technique table's rule (idle.classify with an `ipid` answer). */
export type RiseRule = (rise: number, ports: number) => PortVerdict | undefined;

/**
 * nmap's group sizes (idle_scan.cc): a top-level group is twice the current size, which starts at 30,
 * stays within [4, 100], grows by a tenth after a group whose counts all agreed and shrinks by a fifth
 * after one whose halves did not add up (a lost packet or traffic of the zombie's own).
 */
const GROUP = { start: 30, min: 4, max: 100, grow: 1.1, shrink: 0.8 } as const;

/**
 * The idle scan's plan as nmap runs it, free of any packet: the ports go in top-level groups; of each
 * group both halves are counted, and a half whose count shows open ports and holds more than one is
 * bisected the same way, depth first, so that a handful of open ports among thousands costs a few
 * rounds each rather than one round per port. When the halves' counts do not add up to what their
 * parent counted, each half not yet bisected is counted again and, if its count changed, taken as the
 * new one (bisected when it shows open ports): nmap's retest, which absorbs a lost answer or a packet
 * the zombie sent on its own.
 *
 * A generator: it yields each group to count and takes the count back (GroupCount), and yields the
 * decisions of each top-level group once its bisection ends, so the caller streams results while the
 * rest is scanned. `portCount` ports are named by index 0..portCount-1, in scan order.
 */
export function* bisect(portCount: number, rule: RiseRule): Generator<BisectionStep, void, GroupCount | undefined> {
  let size: number = GROUP.start;
  let phantoms = 0;
  const adjust = (counted: number, found: number) => {
    if (counted > found) phantoms++;
    size = counted === found ? Math.min(GROUP.max, size * GROUP.grow) : Math.max(GROUP.min, size * GROUP.shrink);
  };
  const decided = new Map<number, IdleDecision>();

  function* count(group: PortGroup): Generator<BisectionStep, number, GroupCount | undefined> {
    const counted = yield { kind: 'count', group };
    if (!counted) throw new Error('bisect: a count step was resumed without its count');
    const verdict = rule(counted.rise, group.length);
    if (verdict) for (const index of group) decided.set(index, { index, verdict, round: counted.round });
    return counted.rise;
  }

  /** The open ports among `group`, counted half by half; `expected` is what the group's own count said. */
  function* treescan(group: PortGroup, expected: number | undefined): Generator<BisectionStep, number, GroupCount | undefined> {
    const halves = [group.slice(0, Math.ceil(group.length / 2)), group.slice(Math.ceil(group.length / 2))].filter((h) => h.length > 0);
    const flat: number[] = [];
    const deep: (number | undefined)[] = [];
    for (const half of halves) {
      const n = yield* count(half);
      flat.push(n);
      deep.push(half.length > 1 && n > 0 ? yield* bisected(half, n) : undefined);
    }
    let total = flat.reduce((sum, n, k) => sum + (deep[k] ?? n), 0);
    if (expected !== undefined && total !== expected) {
      for (const [k, half] of halves.entries()) {
        if (deep[k] !== undefined) continue;
        let again = yield* count(half);
        if (again === flat[k]) continue;
        if (half.length > 1 && again > 0) again = yield* bisected(half, again);
        else adjust(flat[k]!, again);
        total += again - flat[k]!;
      }
    }
    return total;
  }

  /** treescan of a half whose own count (`counted`) showed open ports, the group size adjusted by how well that count held. */
  function* bisected(half: PortGroup, counted: number): Generator<BisectionStep, number, GroupCount | undefined> {
    const found = yield* treescan(half, counted);
    adjust(counted, found);
    return found;
  }

  for (let first = 0; first < portCount;) {
    const length = Math.min(portCount - first, Math.floor(size * 2));
    const group = Array.from({ length }, (_, k) => first + k);
    yield* treescan(group, undefined);
    yield { kind: 'decided', decisions: group.flatMap((index) => (decided.has(index) ? [decided.get(index)!] : [])), phantoms };
    for (const index of group) decided.delete(index);
    first += length;
  }
}
