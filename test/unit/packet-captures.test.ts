// Decoders against real captures (see test/fixtures/README.md); every expected value is what tshark printed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { decodeFrame, decodeIPv4Packet, icmpEchoId, icmpEchoSeq, readMss, LINKTYPE_ETHERNET, type DecodedFrame } from '../../src/wire';
import { readPcapFile } from '../../src/wire/pcap';

const CAPTURES = join(import.meta.dirname, '../fixtures/captures');
const A = '198.18.200.1';
const B = '198.18.200.2';
const MAC_A = '02:00:00:c8:00:01';
const MAC_B = '02:00:00:c8:00:02';
const ZERO = '00:00:00:00:00:00';

/** The fields tshark printed, in the same shape. */
function view(f: DecodedFrame | undefined) {
  assert.ok(f, 'frame decodes');
  const out: Record<string, unknown> = {};
  if (f.eth) out.eth = [f.eth.src, f.eth.dst];
  if (f.arp) out.arp = [f.arp.op, f.arp.senderMac, f.arp.senderIp, f.arp.targetMac, f.arp.targetIp];
  if (f.ip) out.ip = { src: f.ip.src, dst: f.ip.dst, id: f.ip.id, ttl: f.ip.ttl, len: f.ip.totalLength, flags: f.ip.flags, ok: f.ipChecksumOk };
  if (f.tcp) {
    const t = f.tcp;
    out.tcp = { sport: t.srcPort, dport: t.dstPort, seq: t.seq, ack: t.ack, flags: t.flags, win: t.window, mss: readMss(t.options), ok: f.l4ChecksumOk };
  }
  if (f.udp) out.udp = { sport: f.udp.srcPort, dport: f.udp.dstPort, len: f.udp.length, ok: f.l4ChecksumOk };
  if (f.icmp) {
    const i = f.icmp;
    out.icmp = { type: i.type, code: i.code, ok: f.l4ChecksumOk };
    if (i.type === 0 || i.type === 8) out.echo = [icmpEchoId(i), icmpEchoSeq(i)];
    if (i.quoted) {
      const q = i.quoted;
      out.quoted = {
        src: q.ip.src,
        dst: q.ip.dst,
        id: q.ip.id,
        ttl: q.ip.ttl,
        len: q.ip.totalLength,
        proto: q.protocol,
        sport: q.srcPort,
        dport: q.dstPort,
        seq: q.seq,
      };
    }
  }
  return out;
}

function frames(file: string) {
  const pcap = readPcapFile(join(CAPTURES, file));
  assert.equal(pcap.error, undefined);
  assert.equal(pcap.truncated, false);
  assert.equal(pcap.linkType, LINKTYPE_ETHERNET);
  return pcap.records.map((r) => r.data);
}

const arpRequest = { eth: [MAC_A, 'ff:ff:ff:ff:ff:ff'], arp: [1, MAC_A, A, ZERO, B] };
const arpReply = { eth: [MAC_B, MAC_A], arp: [2, MAC_B, B, MAC_A, A] };
const ab = [MAC_A, MAC_B];
const ba = [MAC_B, MAC_A];
const ip = (src: string, dst: string, id: number, ttl: number, len: number, flags: number) => ({ src, dst, id, ttl, len, flags, ok: true });
const tcp = (sport: number, dport: number, seq: number, ack: number, flags: number, win: number, mss: number | undefined, ok: boolean) => ({
  sport,
  dport,
  seq,
  ack,
  flags,
  win,
  mss,
  ok,
});

test('veth-tcp.pcap: ARP, ICMP echo, SYN scan open / admin-prohibited / closed', () => {
  const got = frames('veth-tcp.pcap').map((b) => view(decodeFrame(b)));
  assert.deepEqual(got, [
    arpRequest,
    arpReply,
    { eth: ab, ip: ip(A, B, 0xf44a, 40, 28, 0), icmp: { type: 8, code: 0, ok: true }, echo: [60685, 0] },
    { eth: ba, ip: ip(B, A, 0x47d2, 64, 28, 0), icmp: { type: 0, code: 0, ok: true }, echo: [60685, 0] },
    arpRequest,
    arpReply,
    { eth: ab, ip: ip(A, B, 0x8370, 44, 44, 0), tcp: tcp(47590, 80, 2983846334, 0, 0x02, 1024, 1460, true) },
    // the target kernel's SYN/ACK: checksum left to (veth) offload, so tshark says bad
    { eth: ba, ip: ip(B, A, 0, 64, 44, 2), tcp: tcp(80, 47590, 2171039560, 2983846335, 0x12, 64240, 1460, false) },
    { eth: ab, ip: ip(A, B, 0, 64, 40, 2), tcp: tcp(47590, 80, 2983846335, 0, 0x04, 0, undefined, true) },
    { eth: ab, ip: ip(A, B, 0x6433, 57, 44, 0), tcp: tcp(47590, 25, 2983846334, 0, 0x02, 1024, 1460, true) },
    {
      eth: ba,
      ip: ip(B, A, 0x47f0, 64, 72, 0),
      icmp: { type: 3, code: 13, ok: true },
      quoted: { src: A, dst: B, id: 0x6433, ttl: 57, len: 44, proto: 6, sport: 47590, dport: 25, seq: 2983846334 },
    },
    { eth: ab, ip: ip(A, B, 0xd47f, 48, 44, 0), tcp: tcp(47590, 22, 2983846334, 0, 0x02, 1024, 1460, true) },
    { eth: ba, ip: ip(B, A, 0, 64, 40, 2), tcp: tcp(22, 47590, 0, 2983846335, 0x14, 0, undefined, true) },
  ]);
});

test('veth-udp.pcap: UDP probes answered by ICMP 3/13 and 3/3 quoting them', () => {
  const got = frames('veth-udp.pcap').map((b) => view(decodeFrame(b)));
  assert.deepEqual(got, [
    arpRequest,
    arpReply,
    { eth: ab, ip: ip(A, B, 0x3af3, 46, 28, 0), udp: { sport: 43121, dport: 514, len: 8, ok: true } },
    {
      eth: ba,
      ip: ip(B, A, 0x4a08, 64, 56, 0),
      icmp: { type: 3, code: 13, ok: true },
      quoted: { src: A, dst: B, id: 0x3af3, ttl: 46, len: 28, proto: 17, sport: 43121, dport: 514, seq: undefined },
    },
    { eth: ab, ip: ip(A, B, 0x89a6, 54, 28, 0), udp: { sport: 43121, dport: 9, len: 8, ok: true } },
    {
      eth: ba,
      ip: ip(B, A, 0x4a09, 64, 56, 0),
      icmp: { type: 3, code: 3, ok: true },
      quoted: { src: A, dst: B, id: 0x89a6, ttl: 54, len: 28, proto: 17, sport: 43121, dport: 9, seq: undefined },
    },
  ]);
});

test('lo-syn.pcap: SYN scan of 127.0.0.1 on loopback (zero MACs)', () => {
  const L = '127.0.0.1';
  const lo = [ZERO, ZERO];
  const got = frames('lo-syn.pcap').map((b) => view(decodeFrame(b)));
  assert.deepEqual(got, [
    { eth: lo, ip: ip(L, L, 0x92e2, 52, 44, 0), tcp: tcp(56906, 80, 813726631, 0, 0x02, 1024, 1460, true) },
    { eth: lo, ip: ip(L, L, 0, 64, 44, 2), tcp: tcp(80, 56906, 587319771, 813726632, 0x12, 65495, 65495, false) },
    { eth: lo, ip: ip(L, L, 0, 64, 40, 2), tcp: tcp(56906, 80, 813726632, 0, 0x04, 0, undefined, true) },
    { eth: lo, ip: ip(L, L, 0x94e0, 37, 44, 0), tcp: tcp(56906, 22, 813726631, 0, 0x02, 1024, 1460, true) },
    { eth: lo, ip: ip(L, L, 0, 64, 40, 2), tcp: tcp(22, 56906, 0, 813726632, 0x14, 0, undefined, true) },
  ]);
});

test('decodeIPv4Packet reads the same IP packets without their Ethernet header', () => {
  for (const file of ['veth-tcp.pcap', 'veth-udp.pcap', 'lo-syn.pcap']) {
    for (const bytes of frames(file)) {
      const framed = decodeFrame(bytes)!;
      const bare = decodeIPv4Packet(bytes.subarray(14));
      if (!framed.ip) {
        assert.equal(bare, undefined, 'an ARP body is not an IPv4 packet');
        continue;
      }
      const { eth: _eth, ...layers } = framed;
      assert.deepEqual(bare, layers);
    }
  }
});
