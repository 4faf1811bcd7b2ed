import { portResultJson, type BarePortResult, type ExchangePacket, type PortResult, type PortState } from '../../protocol';
import { ipIdAfter } from '../../technique';
import { serviceName } from '../services';
import type { IdleDecision } from './bisection';
import type { IdleRound } from './idle-round';
import type { ZombieCounter } from './zombie-check';

/**
 * The idle scan's verdicts against one target, each port's exchange being the round that decided it:
 * the zombie reading before, the port's SYN in the zombie's name, for an open port the two packets
 * the scanner never sees but the IP ID proves (the target's SYN/ACK to the zombie, the zombie's RST),
 * and the readings after. Rounds are shared by the ports counted together.
 */
export class IdleBook {
  readonly technique = 'idle' as const;
  private readonly decisions = new Map<number, IdleDecision>();
  reported = 0;

  constructor(
    readonly target: string,
    readonly ports: readonly number[],
    private readonly rounds: readonly IdleRound[],
    private readonly zombie: string,
    private readonly counter: ZombieCounter,
  ) {}

  /** Takes the decisions of one top-level group; returns their results, for the scan's events. */
  decide(decisions: readonly IdleDecision[]): PortResult[] {
    for (const d of decisions) this.decisions.set(d.index, d);
    this.reported = this.decisions.size;
    return decisions.map((d) => this.resultOf(d));
  }

  private resultOf({ index, verdict, round }: IdleDecision): PortResult {
    const r = this.rounds[round]!;
    const spoofed = r.spoofed.get(index)!;
    const port = this.ports[index]!;
    const service = serviceName(port, 'tcp');
    return {
      technique: 'idle',
      target: this.target,
      port,
      protocol: 'tcp',
      state: verdict.state,
      reason: verdict.reason,
      ...(service ? { service } : {}),
      exchange: [
        ...r.before.packets,
        { ...spoofed, group: r.spoofed.size },
        ...(verdict.state === 'open' ? this.inferred(spoofed, r.before.id) : []),
        ...r.after,
      ],
    };
  }

  /** What the rise proves happened between target and zombie after an open port's SYN. */
  private inferred(spoofed: ExchangePacket, beforeId: number): ExchangePacket[] {
    const ipId = ipIdAfter(this.counter.sequence, beforeId, 1, this.counter.bits);
    const v6 = spoofed.ipVersion === 6;
    const ipVersion = v6 ? { ipVersion: 6 as const } : {};
    return [
      // Its length is the target's to choose (options), unseen: 0 says unknown.
      { dir: 'in', t: spoofed.t, kind: 'tcp', flags: 'SA', src: this.target, dst: this.zombie, len: 0, inferred: true, ...ipVersion },
      {
        dir: 'in',
        t: spoofed.t,
        kind: 'tcp',
        flags: 'R',
        src: this.zombie,
        dst: this.target,
        // a bare RST: 20 bytes of TCP behind IPv4's 20, or IPv6's 40 and its atomic fragment header's 8
        len: v6 ? 68 : 40,
        inferred: true,
        ...ipVersion,
        ...(ipId === undefined ? {} : { ipId }),
      },
    ];
  }

  /** Reported results in port-list order; `except` leaves out the ports in those states. */
  *results(except?: ReadonlySet<PortState>): Generator<PortResult> {
    for (let i = 0; i < this.ports.length; i++) {
      const d = this.decisions.get(i);
      if (d && !except?.has(d.verdict.state)) yield this.resultOf(d);
    }
  }

  /** The same results without their exchanges. */
  *bareResults(except?: ReadonlySet<PortState>): Generator<BarePortResult> {
    for (const { exchange: _exchange, ...bare } of this.results(except)) yield bare;
  }

  /** The same results as portResultJson writes them: an idle scan's few ports need no faster path. */
  *resultsJson(pretty: boolean): Generator<string> {
    for (const r of this.results()) yield portResultJson(r, pretty);
  }

  stateCounts(): Map<PortState, number> {
    const counts = new Map<PortState, number>();
    for (const d of this.decisions.values()) counts.set(d.verdict.state, (counts.get(d.verdict.state) ?? 0) + 1);
    return counts;
  }
}
