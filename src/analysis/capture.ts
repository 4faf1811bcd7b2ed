import { IPPROTO_TCP, IPPROTO_UDP, ipView, type DecodedFrame } from '../wire';
import { decodeLinkFrame } from '../wire/link-frame';
import type { CaptureContents } from '../wire/pcap';
import { protocolOf, tcpFlagLetters, type ExchangePacket, type Technique } from '../protocol';
import { TECHNIQUE_TABLE } from '../technique';

/** The flags of a TCP technique's probe as the exchange spells them; undefined for UDP. */
function probeFlags(technique: Technique): string | undefined {
  const entry = TECHNIQUE_TABLE[technique];
  return entry.protocol === 'tcp' ? tcpFlagLetters(entry.probe.flags) : undefined;
}

/** What one technique's pcap says about each scanned port: the exchange rebuilt from the wire. */
export interface CaptureIndex {
  /** key `${target}:${port}` → packets in capture order; a port with no packet has no entry */
  exchanges: Map<string, ExchangePacket[]>;
  /** MAC address each target's answers came from (Ethernet captures only) */
  targetMacs: Map<string, string>;
  frames: number;
  /** the capture ended in the middle of a record */
  truncated: boolean;
}

export function portKey(target: string, port: number): string {
  return `${target}:${port}`;
}

interface Scope {
  targets: ReadonlySet<string>;
  ports: ReadonlySet<number>;
}

interface Placed {
  dir: 'in' | 'out';
  target: string;
  port: number;
}

/**
 * Rebuilds every scanned port's exchange from a technique's capture, as readCapture read it. Packets
 * are matched by the target's address and port (an ICMP error by the header it quotes), so the result
 * does not depend on anything the scanner decided. Never throws on a damaged capture: what can be read is used.
 */
export function rebuildExchanges(file: CaptureContents, technique: Technique, targets: Iterable<string>, ports: Iterable<number>): CaptureIndex {
  const scope: Scope = { targets: new Set(targets), ports: new Set(ports) };
  const protocol = protocolOf(technique) === 'udp' ? IPPROTO_UDP : IPPROTO_TCP;
  const probe = probeFlags(technique);
  const exchanges = new Map<string, ExchangePacket[]>();
  const targetMacs = new Map<string, string>();
  const scannerEndpoints = new Set<string>();
  const first = file.records[0];
  const t0 = first?.tsMicros ?? 0;
  // A pcapng Simple Packet Block has no time: it is given its predecessor's.
  let previous = t0;

  file.records.forEach((record, index) => {
    const tMicros = record.tsMicros ?? previous;
    previous = tMicros;
    const frame = decodeLinkFrame(record.linkType, record.data);
    if (!frame?.ip && !frame?.ip6) return;
    const placed = place(frame, protocol, scope, scannerEndpoints);
    if (!placed) return;
    const key = portKey(placed.target, placed.port);
    const list = exchanges.get(key) ?? [];
    exchanges.set(key, list);
    const packet = toExchangePacket(frame, { dir: placed.dir, tMs: (tMicros - t0) / 1000, frame: index + 1 });
    if (placed.dir === 'out') {
      const isProbe = packet.kind === (protocol === IPPROTO_UDP ? 'udp' : 'tcp') && (probe === undefined || packet.flags === probe);
      // A raw-socket scanner sends only its probes; any other outgoing packet is its kernel's
      // (the RST after a SYN/ACK, the ICMP port-unreachable after a UDP answer). A connect scan's
      // packets are all the kernel's socket, so none is singled out there.
      if (isProbe) packet.retry = list.filter((p) => p.dir === 'out' && p.retry !== undefined).length;
      else if (technique !== 'connect') packet.kernel = true;
    } else if (frame.eth && (frame.ip ?? frame.ip6)!.src === placed.target) {
      targetMacs.set(placed.target, frame.eth.src);
    }
    list.push(packet);
  });
  return { exchanges, targetMacs, frames: file.records.length, truncated: file.truncated };
}

function place(frame: DecodedFrame, protocol: number, scope: Scope, scannerEndpoints: Set<string>): Placed | undefined {
  const ip = (frame.ip ?? frame.ip6)!;
  const l4 = protocol === IPPROTO_UDP ? frame.udp : frame.tcp;
  if (l4) {
    const out = scope.targets.has(ip.dst) && scope.ports.has(l4.dstPort);
    const inbound = scope.targets.has(ip.src) && scope.ports.has(l4.srcPort);
    // On loopback both ends share an address; the side that sent the first probe is the scanner.
    if (out && (!inbound || !scannerEndpoints.has(`${ip.dst}:${l4.dstPort}`))) {
      scannerEndpoints.add(`${ip.src}:${l4.srcPort}`);
      return { dir: 'out', target: ip.dst, port: l4.dstPort };
    }
    if (inbound) return { dir: 'in', target: ip.src, port: l4.srcPort };
    return undefined;
  }
  const quoted = frame.icmp?.quoted ?? frame.icmp6?.quoted;
  if (!quoted || quoted.protocol !== protocol) return undefined;
  if (quoted.dstPort !== undefined && scope.targets.has(quoted.ip.dst) && scope.ports.has(quoted.dstPort))
    return { dir: 'in', target: quoted.ip.dst, port: quoted.dstPort };
  if (quoted.srcPort !== undefined && scope.targets.has(quoted.ip.src) && scope.ports.has(quoted.srcPort))
    return { dir: 'out', target: quoted.ip.src, port: quoted.srcPort };
  return undefined;
}

/** Where a decoded packet stands in its exchange: `retry` numbers a probe's tries, `kernel` marks the scanner kernel's packets. */
export interface PacketPlace {
  dir: 'in' | 'out';
  /** milliseconds since the capture's start; rounded to the µs */
  tMs: number;
  frame: number;
  retry?: number;
  kernel?: boolean;
}

/** A decoded IPv4 or IPv6 packet (TCP, UDP, ICMP or ICMPv6) as an exchange lists it. */
export function toExchangePacket(frame: DecodedFrame, place: PacketPlace): ExchangePacket {
  const { tcp, udp } = frame;
  const ip = ipView(frame)!;
  const icmp = frame.icmp ?? frame.icmp6;
  // Filled in a field at a time, in the order JSON writes them: spread together from parts, a packet took 392
  // bytes of memory, this way 129, and a full-range scan's capture makes ~130,000 of them.
  const packet = { dir: place.dir, t: Math.round(place.tMs * 1000) / 1000, src: ip.src, len: ip.totalLength } as ExchangePacket;
  if (ip.version === 6) packet.ipVersion = 6;
  packet.frame = place.frame;
  if (place.retry !== undefined) packet.retry = place.retry;
  if (place.kernel) packet.kernel = true;
  if (tcp) {
    packet.kind = 'tcp';
    packet.flags = tcpFlagLetters(tcp.flags);
    if (place.dir === 'in') packet.window = tcp.window;
  } else if (udp) packet.kind = 'udp';
  else {
    packet.kind = 'icmp';
    packet.icmpType = icmp!.type;
    packet.icmpCode = icmp!.code;
  }
  return packet;
}
