import { UserError } from '../../base/errors';
import type { ExchangePacket } from '../../protocol';
import { ipIdDistance, TECHNIQUE_TABLE } from '../../technique';
import type { Zombie } from '../scan-plan';
import type { GroupCount, PortGroup } from './bisection';
import type { IdleWire } from './idle-wire';
import type { ZombieCounter } from './zombie-check';
import type { IpIdReading, ZombieProber } from './zombie-prober';

/** One round of a group: its spoofed SYNs between two readings of the zombie's IP ID. */
export interface IdleRound {
  /** the reading the rise is counted from (the previous round's last) */
  before: IpIdReading;
  /** each port's SYN in the zombie's name, by port index */
  spoofed: Map<number, ExchangePacket>;
  /** the readings after the SYNs, probes and RSTs in the order they went */
  after: ExchangePacket[];
  /** the zombie's packets beyond our probes' own: the group's open ports */
  rise: number;
}

/** nmap's counts of one group before it gives up on the zombie (idlescan_countopen). */
const COUNT_TRIES = 6;
/**
 * Between counts that made no sense, nmap sleeps tries² seconds for a burst of the zombie's own traffic
 * to pass; a quarter of that keeps a lab scan short and still outlasts a burst.
 */
const RECOUNT_PAUSE_MS = 250;
const FIRST_READ_MIN_MS = 50;
const SECOND_READ_MIN_MS = 75;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Counts the open ports of a group through the zombie: sends each port a SYN in the zombie's name,
 * reads the zombie's IP ID soon after and again a little later (late SYN/ACKs), and takes the largest
 * rise beyond the IP IDs its own probes spent, as nmap does (idlescan_countopen2). A count below zero
 * (our probe lost) or above the group's size (the zombie was busy) is taken again after a pause.
 */
export class RoundCounter {
  readonly rounds: IdleRound[] = [];
  private seq = 0;

  constructor(
    private readonly wire: IdleWire,
    private readonly prober: ZombieProber,
    private readonly zombie: Zombie,
    private readonly target: string,
    private readonly ports: readonly number[],
    private readonly counter: ZombieCounter,
    private latest: IpIdReading,
    private readonly seqBase: number,
  ) {}

  async count(group: PortGroup): Promise<GroupCount> {
    for (let tries = 1; tries <= COUNT_TRIES; tries++) {
      const round = await this.once(group);
      if (round.rise >= 0 && round.rise <= group.length) return { rise: round.rise, round: this.rounds.push(round) - 1 };
      await sleep(tries * tries * RECOUNT_PAUSE_MS);
      const reading = await this.prober.read();
      if (!reading) break;
      this.latest = reading;
    }
    throw new UserError(
      `idle scan is unable to obtain meaningful results from zombie ${this.zombie.address}: its IP ID moves on its own, or it stopped answering`,
      'zombie-unusable',
    );
  }

  private async once(group: PortGroup): Promise<IdleRound> {
    const before = this.latest;
    const start = performance.now();
    const spoofed = new Map<number, ExchangePacket>();
    for (const index of group) {
      await this.wire.paced();
      spoofed.set(
        index,
        this.wire.sendToTarget(
          TECHNIQUE_TABLE.idle.buildProbe({
            srcIp: this.zombie.address,
            dstIp: this.target,
            srcPort: this.zombie.probePort,
            dstPort: this.ports[index]!,
            seq: (this.seqBase + this.seq++) >>> 0,
          }),
        ),
      );
    }
    const end = performance.now();
    const timeout = this.prober.rtt.timeoutMs();
    const readAt = [start + Math.max(FIRST_READ_MIN_MS, timeout / 2), end + Math.max(SECOND_READ_MIN_MS, timeout)];
    const after: ExchangePacket[] = [];
    let rise = -1;
    let spent = 0;
    for (const at of readAt) {
      await sleep(at - performance.now());
      const reading = await this.prober.read();
      if (!reading) continue;
      after.push(...reading.packets);
      spent += reading.spent;
      rise = Math.max(rise, ipIdDistance(this.counter.sequence, before.id, reading.id, this.counter.bits)! - spent);
      this.latest = reading;
      // More rises than ports: the zombie is busy, no later reading can mend that; a pair that both answered needs no second look.
      if (rise > group.length || (group.length <= 2 && rise === group.length)) break;
    }
    return { before, spoofed, after, rise };
  }
}
