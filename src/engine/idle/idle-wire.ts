import { openRawChannel, type RawChannel } from '../../link';
import { tcpFlagLetters, type ExchangePacket } from '../../protocol';
import { decodeFrame, decodeIpPacket, ETHERNET_HEADER_LENGTH, ICMPV6_ECHO_REPLY, ipView, type DecodedFrame } from '../../wire';
import type { Zombie } from '../scan-plan';
import { perfMsOf, type TechniqueContext } from '../technique-context';

/** Source ports of the zombie probes: each probe takes the next, so a late RST cannot pass for a newer probe's. */
export const ZOMBIE_PORT_SPAN = 64;

/** A packet on the scanner's wire as an idle exchange lists it: with its destination, and its IP ID when it is the zombie's. */
export function idlePacket(d: DecodedFrame, dir: 'in' | 'out', t: number, frame: number | undefined): ExchangePacket {
  const ip = ipView(d)!;
  const icmp = d.icmp ?? d.icmp6;
  // Over IPv6 the zombie's counter is its fragment header's Identification (atomic-fragments.ts).
  const ipId = dir === 'in' ? ip.id : undefined;
  return {
    dir,
    t: Math.round(t * 1000) / 1000,
    kind: d.tcp ? 'tcp' : d.udp ? 'udp' : 'icmp',
    ...(d.tcp ? { flags: tcpFlagLetters(d.tcp.flags) } : {}),
    ...(icmp ? { icmpType: icmp.type, icmpCode: icmp.code } : {}),
    src: ip.src,
    dst: ip.dst,
    len: ip.totalLength,
    ...(ip.version === 6 ? { ipVersion: 6 as const } : {}),
    ...(ipId === undefined ? {} : { ipId }),
    ...(frame === undefined ? {} : { frame }),
  };
}

/** An echo reply of the zombie: its bytes from the IPv6 header on, as a Packet Too Big about it quotes them. */
export interface EchoReply {
  echoId: number;
  echoSeq: number;
  packet: Uint8Array;
}

/**
 * The idle scan's two paths out of the scanner: to the zombie (its IP ID probes, whose RSTs come back)
 * and to the target (the SYNs in the zombie's name, whose answers go to the zombie, not here). Both
 * write into the technique's one pcap, every frame in the order it was sent or read.
 */
export class IdleWire {
  private constructor(
    private readonly ctx: TechniqueContext,
    private readonly toZombie: RawChannel,
    private readonly toTarget: RawChannel,
  ) {}

  /** the scanner's address towards the zombie */
  get srcIp(): string {
    return this.toZombie.route.srcIp;
  }

  /**
   * Opens both channels: the zombie's capture takes its answers to our probe ports (`zombiePorts`); the
   * target's takes what of the target's traffic passes this host (on a switched segment, nothing but ARP).
   * `onZombieFrame` gets each frame from the zombie, decoded, with its place in the exchange log.
   */
  static async open(
    target: string,
    zombie: Zombie,
    zombiePorts: { first: number; last: number },
    ctx: TechniqueContext,
    onZombieFrame: (d: DecodedFrame, packet: ExchangePacket) => void,
  ): Promise<IdleWire> {
    const onLost = (err: Error) => (ctx.stoppedBy ??= err.message);
    const write = (frame: Uint8Array, at: number) => ctx.pcap?.write(frame, at);
    // Each capture also sees what the other channel sends (the kernel hides a frame only from the socket
    // that sent it): the sender already wrote those, so frames from our own MAC are skipped.
    let ourMac: string | undefined;
    let wire: IdleWire | undefined;
    const foreign = (frame: Uint8Array) => {
      const d = decodeFrame(frame);
      return d && d.eth?.src !== ourMac ? d : undefined;
    };
    const toZombie = await openRawChannel(zombie.address, ctx.plan.iface, zombiePorts, {
      onFrame(frame, capturedAt) {
        const d = foreign(frame);
        if (!d) return;
        const number = write(frame, capturedAt);
        if (ipView(d)?.src !== zombie.address) return;
        if (d.tcp) onZombieFrame(d, idlePacket(d, 'in', perfMsOf(capturedAt) - ctx.startedAt, number));
        else if (d.icmp6?.type === ICMPV6_ECHO_REPLY) wire?.echoReplyCame(d, frame);
      },
      onInjected: write,
      onLost,
    });
    ourMac = toZombie.route.srcMac;
    try {
      // The segment's ARP is in the pcap from the zombie's capture already.
      const toTarget = await openRawChannel(
        target,
        ctx.plan.iface,
        { first: zombie.probePort, last: zombie.probePort },
        { onFrame: (frame, capturedAt) => void (foreign(frame)?.ip && write(frame, capturedAt)), onInjected: write, onLost },
      );
      wire = new IdleWire(ctx, toZombie, toTarget);
      return wire;
    } catch (err) {
      toZombie.close();
      throw err;
    }
  }

  get targetMac(): string | undefined {
    return this.toTarget.targetMac;
  }

  /** round trip of the ARP exchange with the zombie, when it is on-link */
  get zombieArpRttMs(): number | undefined {
    return this.toZombie.arpRttMs;
  }

  /** Waits for the plan's --rate to allow one more packet (at once without --rate). */
  async paced(): Promise<void> {
    const bucket = this.ctx.bucket;
    while (bucket && !bucket.take(performance.now())) await new Promise((r) => setTimeout(r, Math.max(1, bucket.msUntilToken(performance.now()))));
  }

  private echoWaiter: ((reply: EchoReply) => void) | undefined;

  private echoReplyCame(d: DecodedFrame, frame: Uint8Array): void {
    const rest = d.icmp6!.rest;
    this.echoWaiter?.({ echoId: rest >>> 16, echoSeq: rest & 0xffff, packet: frame.slice(ETHERNET_HEADER_LENGTH) });
  }

  /** The zombie's echo reply with this identifier and sequence number, when one comes within `waitMs`. */
  async echoReply(echoId: number, echoSeq: number, waitMs: number, send: () => void): Promise<EchoReply | undefined> {
    try {
      return await new Promise<EchoReply | undefined>((resolve) => {
        const timer = setTimeout(() => resolve(undefined), waitMs);
        this.echoWaiter = (reply) => {
          if (reply.echoId !== echoId || reply.echoSeq !== echoSeq) return;
          clearTimeout(timer);
          resolve(reply);
        };
        send();
      });
    } finally {
      this.echoWaiter = undefined;
    }
  }

  /** Sends a bare IP packet to the zombie; returns it as the exchange lists it. */
  sendToZombie(packet: Uint8Array): ExchangePacket {
    return this.send(this.toZombie, packet);
  }

  /** Sends a bare IP packet towards the target (whatever its source address says); returns it as the exchange lists it. */
  sendToTarget(packet: Uint8Array): ExchangePacket {
    return this.send(this.toTarget, packet);
  }

  private send(channel: RawChannel, packet: Uint8Array): ExchangePacket {
    const { frame, sentAt } = channel.send(packet);
    this.ctx.counters.sent++;
    return idlePacket(decodeIpPacket(packet)!, 'out', perfMsOf(sentAt) - this.ctx.startedAt, this.ctx.pcap?.write(frame, sentAt));
  }

  close(): void {
    this.toZombie.close();
    this.toTarget.close();
  }
}
