import type { ExchangePacket } from '../../protocol';
import { ipView, TCP_RST, type DecodedFrame } from '../../wire';
import { TECHNIQUE_TABLE } from '../../technique';
import { RttEstimator } from '../rtt';
import type { Zombie } from '../scan-plan';
import { ZOMBIE_PORT_SPAN, type IdleWire } from './idle-wire';

/** nmap's tries per IP ID reading before the zombie counts as silent (ipid_proxy_probe). */
const READ_TRIES = 3;

/** One IP ID the zombie gave, and the packets of the exchange that read it (its probe or probes, then its RST). */
export interface IpIdReading {
  id: number;
  packets: ExchangePacket[];
  /** probes sent since the previous reading, this one's included: each that reached the zombie spent one of its IP IDs */
  spent: number;
}

/** An IPv6 RST without a fragment header reads as 0, as nmap reads it: such a zombie comes out "All zeros". */
const readId = (rst: ExchangePacket): number => rst.ipId ?? 0;

interface Pending {
  sentAt: number;
  settle(rst: ExchangePacket | undefined): void;
}

/**
 * Reads the zombie's IP ID: a SYN/ACK to its probe port draws a RST, whose IP ID is the zombie's counter.
 * Each probe acknowledges a number of its own, which comes back as the RST's sequence number, so a RST is
 * matched to exactly the probe it answers; one that comes after its probe's wait answers nothing we read
 * (its IP ID was spent all the same, which the next reading's `spent` counts).
 */
export class ZombieProber {
  readonly rtt = new RttEstimator(1000, 100, 5000);
  private readonly pending = new Map<number, Pending>();
  private sent = 0;
  private sinceReading = 0;

  constructor(
    private readonly wire: IdleWire,
    private readonly zombie: Zombie,
    private readonly portBase: number,
    private readonly ackBase: number,
  ) {}

  /** Takes every TCP frame from the zombie; a RST answering one of our probes settles it. */
  onFrame(d: DecodedFrame, packet: ExchangePacket): void {
    const tcp = d.tcp!;
    if (!(tcp.flags & TCP_RST) || tcp.srcPort !== this.zombie.probePort || ipView(d)!.dst !== this.wire.srcIp) return;
    const p = this.pending.get(tcp.seq);
    if (!p) return;
    this.pending.delete(tcp.seq);
    this.rtt.sample(performance.now() - p.sentAt);
    p.settle(packet);
  }

  /** Sends one probe and waits for its RST up to `waitMs`; undefined when none came in time. */
  async probeOnce(waitMs = this.rtt.timeoutMs()): Promise<{ probe: ExchangePacket; rst?: ExchangePacket }> {
    const k = this.sent++;
    this.sinceReading++;
    const ack = (this.ackBase + k * 0x10001) >>> 0;
    await this.wire.paced();
    const probe = this.wire.sendToZombie(
      TECHNIQUE_TABLE.idle.buildZombieProbe({
        srcIp: this.wire.srcIp,
        dstIp: this.zombie.address,
        srcPort: this.portBase + (k % ZOMBIE_PORT_SPAN),
        dstPort: this.zombie.probePort,
        seq: ((this.ackBase ^ 0x5a5a5a5a) + k) >>> 0,
        ack,
      }),
    );
    const sentAt = performance.now();
    const rst = await new Promise<ExchangePacket | undefined>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(ack);
        resolve(undefined);
      }, waitMs);
      this.pending.set(ack, {
        sentAt,
        settle: (packet) => {
          clearTimeout(timer);
          resolve(packet);
        },
      });
    });
    return rst ? { probe, rst } : { probe };
  }

  /** The zombie's IP ID now, with up to three tries as nmap; undefined when the zombie never answered. */
  async read(): Promise<IpIdReading | undefined> {
    const packets: ExchangePacket[] = [];
    for (let attempt = 0; attempt < READ_TRIES; attempt++) {
      const { probe, rst } = await this.probeOnce();
      packets.push({ ...probe, retry: attempt });
      if (rst) {
        packets.push(rst);
        const spent = this.sinceReading;
        this.sinceReading = 0;
        return { id: readId(rst), packets, spent };
      }
    }
    return undefined;
  }

  /**
   * `count` probes `gapMs` apart, each waited for once (nmap's zombie qualification): the readings of
   * those answered, in the order sent. The last of them is the reading later rises are counted from.
   */
  async sample(count: number, gapMs: number, waitMs: number): Promise<IpIdReading[]> {
    const answers: Promise<{ probe: ExchangePacket; rst?: ExchangePacket }>[] = [];
    for (let k = 0; k < count; k++) {
      if (k > 0) await new Promise((r) => setTimeout(r, gapMs));
      answers.push(this.probeOnce(waitMs));
    }
    const readings: IpIdReading[] = [];
    let unanswered = 0;
    for (const { probe, rst } of await Promise.all(answers)) {
      if (!rst) {
        unanswered++;
        continue;
      }
      readings.push({ id: readId(rst), packets: [{ ...probe, retry: 0 }, rst], spent: unanswered + 1 });
      unanswered = 0;
    }
    this.sinceReading = unanswered;
    return readings;
  }

  /** Probes that will never be answered any more stop waiting (the scan is over). */
  close(): void {
    this.pending.clear();
  }
}
