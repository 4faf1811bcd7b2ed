// IPv6, ICMPv6 and NDP codecs: what the builders write is byte for byte what scapy builds (its own checksums,
// test/fixtures/ipv6/make-scapy-packets.py), what scapy builds decodes, and the builders round-trip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import {
  buildIcmpv6EchoFrame,
  buildNeighborSolicitation,
  buildTcpFrame,
  buildTcpPacket,
  buildUdpFrame,
  buildUdpPacket,
  canonicalIpv6,
  decodeFrame,
  decodeIpPacket,
  decodeIPv6Header,
  decodeIPv6Packet,
  decodeLinkFrame,
  encodeEthernet,
  encodeIcmpv6,
  encodeIPv6,
  ETHERTYPE_IPV6,
  ICMPV6_DEST_UNREACH,
  IPPROTO_DSTOPTS,
  IPPROTO_FRAGMENT,
  IPPROTO_HOPOPTS,
  IPPROTO_ICMPV6,
  IPPROTO_ROUTING,
  IPPROTO_TCP,
  IPPROTO_UDP,
  ipv6MulticastMac,
  ipv6ToBytes,
  ipView,
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LOOP,
  LINKTYPE_NULL,
  LINKTYPE_RAW,
  mssOption,
  readIpv6,
  solicitedNodeAddress,
  TCP_ACK,
  TCP_RST,
  TCP_SYN,
  TcpProbeTemplate,
  type DecodedFrame,
} from '../../src/wire';

const SCAPY: Record<string, string> = JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures/ipv6/scapy-packets.json'), 'utf8'));
const scapy = (name: string) => Uint8Array.from(Buffer.from(SCAPY[name]!, 'hex'));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

const US = '2001:2:0:230::1';
const TARGET = '2001:2:0:230::2';
const ROUTER = '2001:2:0:231::1';
const US_MAC = '02:70:6c:e6:00:01';
const TARGET_MAC = '02:70:6c:e6:00:02';
const LINK = { srcMac: US_MAC, dstMac: TARGET_MAC };
const DNS_QUERY = Uint8Array.from(Buffer.from('1234010000010000000000000000020001', 'hex'));

test('IPv6 text: readIpv6 writes RFC 5952 as ipaddr.js does, and every form parses to the same bytes', () => {
  // groups drawn mostly from 0 so that runs of zero groups (and ties between runs) are common
  const group = fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
  fc.assert(
    fc.property(fc.array(group, { minLength: 8, maxLength: 8 }), (groups) => {
      const bytes = new Uint8Array(16);
      groups.forEach((g, i) => ((bytes[2 * i] = g >> 8), (bytes[2 * i + 1] = g & 255)));
      const text = readIpv6(bytes, 0);
      assert.equal(text, (ipaddr.fromByteArray([...bytes]) as ipaddr.IPv6).toRFC5952String());
      assert.deepEqual(ipv6ToBytes(text), bytes);
      assert.deepEqual(ipv6ToBytes(groups.map((g) => g.toString(16).padStart(4, '0').toUpperCase()).join(':')), bytes);
    }),
    { numRuns: 2000 },
  );
  assert.equal(canonicalIpv6('2001:0002:0000:0230:0000:0000:0000:0002'), TARGET);
  assert.equal(canonicalIpv6('fe80::1%eth0'), 'fe80::1');
  assert.throws(() => ipv6ToBytes('1::2::3'), RangeError);
  assert.throws(() => ipv6ToBytes('198.18.0.1'), RangeError);
});

test('builders write what scapy builds: TCP SYN, UDP with and without payload, ICMPv6 echo, neighbour solicitation', () => {
  const syn = buildTcpFrame({ ...LINK, srcIp: US, dstIp: TARGET, srcPort: 40000, dstPort: 80, seq: 0x12345678, flags: TCP_SYN, options: [mssOption(1460)] });
  assert.equal(hex(syn), SCAPY['syn']);
  assert.equal(hex(buildUdpFrame({ ...LINK, srcIp: US, dstIp: TARGET, srcPort: 40001, dstPort: 53, payload: DNS_QUERY })), SCAPY['udp-dns']);
  assert.equal(hex(buildUdpFrame({ ...LINK, srcIp: US, dstIp: TARGET, srcPort: 40002, dstPort: 9 })), SCAPY['udp-empty']);
  const echo = buildIcmpv6EchoFrame({ ...LINK, srcIp: US, dstIp: TARGET, echoId: 0x4242, echoSeq: 7, payload: new TextEncoder().encode('portlab!') });
  assert.equal(hex(echo), SCAPY['echo']);
  assert.equal(hex(buildNeighborSolicitation({ srcMac: US_MAC, srcIp: US, targetIp: TARGET })), SCAPY['ns']);
  // a bare packet is the frame without its Ethernet header
  assert.equal(
    hex(buildTcpPacket({ srcIp: US, dstIp: TARGET, srcPort: 40000, dstPort: 80, seq: 0x12345678, flags: TCP_SYN, options: [mssOption(1460)] })),
    SCAPY['syn']!.slice(28),
  );
});

test('scapy packets decode: headers, ports, flags, checksums, and the IP view', () => {
  for (const name of Object.keys(SCAPY)) {
    const d = decodeFrame(scapy(name))!;
    assert.ok(d.ip6, name);
    assert.equal(d.ip, undefined, name);
    assert.equal(d.eth!.etherType, ETHERTYPE_IPV6, name);
    if (!d.ip6.fragment) assert.equal(d.l4ChecksumOk, true, `${name}: checksum`);
  }
  const syn = decodeFrame(scapy('syn'))!;
  assert.deepEqual(
    { ...syn.ip6, src: syn.ip6!.src, dst: syn.ip6!.dst },
    {
      version: 6,
      trafficClass: 0,
      flowLabel: 0,
      payloadLength: 24,
      nextHeader: IPPROTO_TCP,
      hopLimit: 64,
      src: US,
      dst: TARGET,
      extensions: [],
      protocol: IPPROTO_TCP,
      headerLength: 40,
    },
  );
  assert.equal(syn.tcp!.flags, TCP_SYN);
  assert.equal(syn.tcp!.seq, 0x12345678);
  assert.deepEqual(ipView(syn), { version: 6, src: US, dst: TARGET, protocol: IPPROTO_TCP, ttl: 64, totalLength: 64 });
  const synack = decodeFrame(scapy('synack'))!;
  assert.equal(synack.tcp!.flags, TCP_SYN | TCP_ACK);
  assert.equal(synack.tcp!.ack, 0x12345679);
  assert.deepEqual(decodeFrame(scapy('udp-dns'))!.udp!.payload, DNS_QUERY);
  const reply = decodeFrame(scapy('echo-reply'))!.icmp6!;
  assert.deepEqual([reply.type, reply.code, reply.rest >>> 16, reply.rest & 0xffff], [129, 0, 0x4242, 7]);
});

test('a checksum that does not add up is reported, over TCP, UDP and ICMPv6', () => {
  for (const name of ['syn', 'udp-dns', 'echo']) {
    const bytes = scapy(name);
    bytes[bytes.length - 1]! ^= 0x01;
    assert.equal(decodeFrame(bytes)!.l4ChecksumOk, false, name);
  }
  // IPv6 makes the UDP checksum mandatory: 0 is not "none" as over IPv4
  const udp = scapy('udp-empty');
  udp[14 + 40 + 6] = 0;
  udp[14 + 40 + 7] = 0;
  assert.equal(decodeFrame(udp)!.l4ChecksumOk, false);
});

test('neighbour discovery: the solicitation goes to the solicited-node group, the advertisement gives the MAC', () => {
  assert.equal(solicitedNodeAddress(TARGET), 'ff02::1:ff00:2');
  assert.equal(solicitedNodeAddress('fe80::1234:5678:9abc:def0'), 'ff02::1:ffbc:def0');
  assert.equal(ipv6MulticastMac('ff02::1:ffbc:def0'), '33:33:ff:bc:de:f0');
  const ns = decodeFrame(buildNeighborSolicitation({ srcMac: US_MAC, srcIp: US, targetIp: TARGET }))!;
  assert.equal(ns.eth!.dst, '33:33:ff:00:00:02');
  assert.equal(ns.ip6!.hopLimit, 255);
  assert.equal(ns.ip6!.dst, 'ff02::1:ff00:2');
  assert.deepEqual(ns.icmp6!.neighbor, { target: TARGET, router: false, solicited: false, override: false, sourceMac: US_MAC });
  const na = decodeFrame(scapy('na'))!.icmp6!;
  assert.equal(na.type, 136);
  assert.deepEqual(na.neighbor, { target: TARGET, router: false, solicited: true, override: true, targetMac: TARGET_MAC });
  // a zero-length option ends the options: what came before it is kept, nothing is read past it
  const body = scapy('na').slice(14 + 40);
  const truncated = new Uint8Array(body.length + 8);
  truncated.set(body);
  truncated.set([1, 0, 0xde, 0xad, 0xbe, 0xef, 0, 1], body.length);
  const packet = encodeIPv6({ src: TARGET, dst: US, nextHeader: IPPROTO_ICMPV6, hopLimit: 255 }, truncated);
  assert.equal(decodeIPv6Packet(packet)!.icmp6!.neighbor!.targetMac, TARGET_MAC);
  assert.equal(decodeIPv6Packet(packet)!.icmp6!.neighbor!.sourceMac, undefined);
});

test('ICMPv6 errors: the quoted probe is read back (addresses, ports, sequence number), from the target or a router', () => {
  const cases: [string, number, number, string][] = [
    ['unreach-admin-tcp', 1, 1, TARGET],
    ['unreach-port-udp', 1, 4, TARGET],
    ['unreach-noroute-router', 1, 0, ROUTER],
    ['too-big', 2, 0, ROUTER],
    ['time-exceeded', 3, 0, ROUTER],
    ['param-problem', 4, 1, TARGET],
  ];
  for (const [name, type, code, from] of cases) {
    const d = decodeFrame(scapy(name))!;
    assert.equal(d.ip6!.src, from, name);
    assert.deepEqual([d.icmp6!.type, d.icmp6!.code], [type, code], name);
    const q = d.icmp6!.quoted!;
    assert.equal(q.ip.src, US, name);
    assert.equal(q.ip.dst, TARGET, name);
    if (q.protocol === IPPROTO_TCP) assert.deepEqual([q.srcPort, q.dstPort, q.seq], [40000, 80, 0x12345678], name);
    else assert.deepEqual([q.protocol, q.srcPort, q.dstPort, q.seq], [IPPROTO_UDP, 40001, 53, undefined], name);
  }
  assert.equal(decodeFrame(scapy('too-big'))!.icmp6!.rest, 1280);
  // the quoted packet's own extension headers are skipped to reach its ports
  const quotedExt = decodeFrame(scapy('unreach-quoting-ext-udp'))!.icmp6!.quoted!;
  assert.deepEqual([quotedExt.ip.extensions, quotedExt.protocol, quotedExt.srcPort, quotedExt.dstPort], [[IPPROTO_DSTOPTS], IPPROTO_UDP, 40003, 161]);
  // an error quoting only 4 bytes of the upper layer: ports, no sequence number
  const syn = scapy('syn').slice(14, 14 + 40 + 4);
  const short = decodeIPv6Packet(
    encodeIPv6({ src: TARGET, dst: US, nextHeader: IPPROTO_ICMPV6 }, encodeIcmpv6({ type: ICMPV6_DEST_UNREACH, code: 1, payload: syn }, TARGET, US)),
  )!;
  assert.deepEqual([short.icmp6!.quoted!.srcPort, short.icmp6!.quoted!.dstPort, short.icmp6!.quoted!.seq], [40000, 80, undefined]);
  assert.equal(short.l4ChecksumOk, true);
});

test('extension headers: skipped to the upper layer, bounded, and a later fragment carries no upper layer', () => {
  const chain = decodeFrame(scapy('ext-chain-tcp'))!;
  assert.deepEqual(chain.ip6!.extensions, [IPPROTO_HOPOPTS, IPPROTO_DSTOPTS, IPPROTO_ROUTING, IPPROTO_FRAGMENT]);
  assert.equal(chain.ip6!.protocol, IPPROTO_TCP);
  assert.equal(chain.ip6!.headerLength, 40 + 8 + 16 + 8 + 8);
  assert.deepEqual(chain.ip6!.fragment, { offset: 0, more: false, id: 0xabcdef });
  assert.equal(chain.tcp!.flags, TCP_RST | TCP_ACK);
  assert.equal(chain.l4ChecksumOk, undefined, 'a packet with a fragment header is not checked');

  const first = decodeFrame(scapy('fragment-first-udp'))!;
  assert.deepEqual([first.ip6!.fragment, first.udp!.srcPort, first.l4ChecksumOk], [{ offset: 0, more: true, id: 77 }, 53, undefined]);
  const later = decodeFrame(scapy('fragment-later-udp'))!;
  assert.deepEqual(later.ip6!.fragment, { offset: 3, more: false, id: 77 });
  assert.equal(later.ip6!.protocol, IPPROTO_UDP);
  assert.equal(later.udp, undefined);

  // nine hop-by-hop headers: the walk stops at the eighth, so the ninth is never read as TCP
  const hop = (next: number) => Uint8Array.of(next, 0, 1, 4, 0, 0, 0, 0);
  const tcp = scapy('synack').slice(14 + 40);
  const headers = Array.from({ length: 9 }, (_, i) => hop(i === 8 ? IPPROTO_TCP : IPPROTO_HOPOPTS));
  const payload = Uint8Array.from([...headers.flatMap((h) => [...h]), ...tcp]);
  const long = decodeIPv6Packet(encodeIPv6({ src: TARGET, dst: US, nextHeader: IPPROTO_HOPOPTS }, payload))!;
  assert.equal(long.ip6!.extensions.length, 8);
  assert.equal(long.ip6!.protocol, IPPROTO_HOPOPTS);
  assert.equal(long.tcp, undefined);

  // a chain cut short by the packet's end: the header stays, no upper layer
  const cut = encodeIPv6({ src: TARGET, dst: US, nextHeader: IPPROTO_DSTOPTS }, Uint8Array.of(IPPROTO_TCP, 3, 0, 0, 0, 0, 0, 0));
  const cutDecoded = decodeIPv6Packet(cut)!;
  assert.deepEqual([cutDecoded.ip6!.extensions, cutDecoded.ip6!.protocol, cutDecoded.tcp], [[], IPPROTO_DSTOPTS, undefined]);
  // the fixed header alone, and a payload length past the buffer
  assert.equal(decodeIPv6Header(cut, 0, 39), undefined);
  const lying = cut.slice();
  lying[5] = 200;
  assert.equal(decodeIPv6Packet(lying), undefined);
});

test('round trip (fast-check): IPv6 TCP and UDP packets decode to what was built, with valid checksums', () => {
  const address = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => readIpv6(b, 0));
  const port = fc.integer({ min: 0, max: 65535 });
  fc.assert(
    fc.property(
      address,
      address,
      port,
      port,
      fc.nat({ max: 0xffffffff }),
      fc.nat({ max: 255 }),
      fc.uint8Array({ maxLength: 64 }),
      (src, dst, sp, dp, seq, flags, payload) => {
        const tcp = decodeIpPacket(
          buildTcpPacket({ srcIp: src, dstIp: dst, srcPort: sp, dstPort: dp, seq, flags, payload, ttl: 7, tos: 0x28, flowLabel: 0xabcde }),
        )!;
        assert.deepEqual(
          [
            tcp.ip6!.src,
            tcp.ip6!.dst,
            tcp.ip6!.hopLimit,
            tcp.ip6!.trafficClass,
            tcp.ip6!.flowLabel,
            tcp.tcp!.srcPort,
            tcp.tcp!.dstPort,
            tcp.tcp!.seq,
            tcp.tcp!.flags,
          ],
          [src, dst, 7, 0x28, 0xabcde, sp, dp, seq, flags],
        );
        assert.deepEqual(tcp.tcp!.payload, payload);
        assert.equal(tcp.l4ChecksumOk, true);
        const udp = decodeIpPacket(buildUdpPacket({ srcIp: src, dstIp: dst, srcPort: sp, dstPort: dp, payload }))!;
        assert.deepEqual([udp.udp!.srcPort, udp.udp!.dstPort, udp.udp!.payload, udp.l4ChecksumOk], [sp, dp, payload, true]);
      },
    ),
    { numRuns: 500 },
  );
});

test('TcpProbeTemplate over IPv6: every fill is the frame buildTcpFrame builds', () => {
  const base = { srcIp: US, dstIp: TARGET, srcPort: 40000, flags: TCP_SYN, window: 1024, options: [mssOption(1460)] };
  for (const link of [LINK, {}]) {
    const template = new TcpProbeTemplate({ ...base, ...link });
    assert.equal(template.ipLength, 64);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 65535 }), fc.nat({ max: 0xffffffff }), fc.integer({ min: 1, max: 65535 }), (dstPort, seq, srcPort) => {
        const built = 'srcMac' in link ? buildTcpFrame({ ...base, ...LINK, dstPort, seq, srcPort }) : buildTcpPacket({ ...base, dstPort, seq, srcPort });
        assert.deepEqual(template.fill(dstPort, seq, srcPort), built);
      }),
      { numRuns: 300 },
    );
  }
});

test('decodeLinkFrame reads IPv6 under every link type: Ethernet, raw IP (either version), raw IPv6, cooked, loopback', () => {
  const frame = scapy('synack');
  const packet = frame.slice(14);
  const seen = (d: DecodedFrame | undefined) => [d?.ip6?.src, d?.tcp?.flags];
  const expected = [TARGET, TCP_SYN | TCP_ACK];
  assert.deepEqual(seen(decodeLinkFrame(LINKTYPE_ETHERNET, frame)), expected);
  assert.deepEqual(seen(decodeLinkFrame(LINKTYPE_RAW, packet)), expected);
  assert.deepEqual(seen(decodeLinkFrame(LINKTYPE_IPV6, packet)), expected);
  const cooked = new Uint8Array(16 + packet.length);
  cooked.set([0, 0, 0, 1, 0, 6, ...frame.slice(6, 12), 0, 0, 0x86, 0xdd]);
  cooked.set(packet, 16);
  assert.deepEqual(seen(decodeLinkFrame(LINKTYPE_LINUX_SLL, cooked)), expected);
  // AF_INET6 is 24, 28 or 30 by the writing system; LINKTYPE_NULL in the writer's byte order
  for (const [linkType, header] of [
    [LINKTYPE_NULL, [30, 0, 0, 0]],
    [LINKTYPE_NULL, [0, 0, 0, 28]],
    [LINKTYPE_LOOP, [0, 0, 0, 24]],
  ] as const) {
    assert.deepEqual(seen(decodeLinkFrame(linkType, Uint8Array.from([...header, ...packet]))), expected, `${linkType} ${header}`);
  }
  // a VLAN-tagged IPv6 frame
  const tagged = encodeEthernet(US_MAC, TARGET_MAC, 0x8100, Uint8Array.from([0, 42, 0x86, 0xdd, ...packet]));
  assert.deepEqual([...seen(decodeLinkFrame(LINKTYPE_ETHERNET, tagged)), decodeLinkFrame(LINKTYPE_ETHERNET, tagged)!.vlanIds], [...expected, [42]]);
});
