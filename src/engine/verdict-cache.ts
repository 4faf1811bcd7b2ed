import type { PortVerdict, RawTechnique } from '../technique';
import { LAYER_TCP, LAYER_UDP, type PacketFields } from './packet-fields';
import type { ProbeMatcher } from './probe-matcher';

/** Distinct answers a scan remembers; a target sending more kinds than this is classified per answer. */
const MAX_KINDS = 4096;
const UDP_KEY = 1 << 24;
const ICMP_KEY = 1 << 25;

/**
 * The technique's verdict for each distinct answer of one scan. A verdict depends only on the answer (TCP
 * flags and window; UDP; ICMP version, type, code and whether the target sent it), and a scan sees a handful
 * of kinds: each is built into an Answer and classified once, the next ones cost a number lookup.
 */
export class VerdictCache {
  private readonly byKey = new Map<number, PortVerdict | null>();

  constructor(
    private readonly technique: RawTechnique,
    private readonly matcher: ProbeMatcher,
  ) {}

  /** The verdict of the answer in `f` (matched by `matcher`), undefined when it decides nothing. */
  verdictOf(f: PacketFields): PortVerdict | undefined {
    const key =
      f.layer === LAYER_TCP
        ? (f.flags << 16) | f.window
        : f.layer === LAYER_UDP
          ? UDP_KEY
          : ICMP_KEY | (f.ipVersion === 6 ? 1 << 17 : 0) | (f.srcId === this.matcher.targetId ? 1 << 16 : 0) | (f.icmpType << 8) | f.icmpCode;
    let verdict = this.byKey.get(key);
    if (verdict === undefined) {
      verdict = this.technique.classify(this.matcher.answerOf(f)) ?? null;
      if (this.byKey.size < MAX_KINDS) this.byKey.set(key, verdict);
    }
    return verdict ?? undefined;
  }
}
