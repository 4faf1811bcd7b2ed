// Property-based round trips: whatever the encoders write, the decoders read back, with valid checksums.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  buildArpRequest,
  buildIcmpEchoFrame,
  buildTcpFrame,
  buildTcpPacket,
  buildUdpFrame,
  buildUdpPacket,
  bytesToMac,
  decodeFrame,
  decodeIPv4Header,
  decodeIPv4Packet,
  encodeArp,
  encodeEthernet,
  encodeIcmp,
  encodeIPv4,
  encodeTcpSegment,
  encodeUdpDatagram,
  internetChecksum,
  ipv4ToU32,
  macToBytes,
  u32ToIpv4,
  IPPROTO_ICMP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  TcpProbeTemplate,
  type TcpOption,
} from '../../src/wire';

const RUNS = { numRuns: 500 };
const ip = fc.nat({ max: 0xffffffff }).map(u32ToIpv4);
const mac = fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => bytesToMac(b));
const port = fc.integer({ min: 0, max: 65535 });
const u32 = fc.nat({ max: 0xffffffff });
const u16 = fc.nat({ max: 0xffff });
const u8 = fc.nat({ max: 255 });
const bytes = (max: number) => fc.uint8Array({ maxLength: max });

/** Options that fit in 40 bytes; no EOL (it ends the list, so it cannot round-trip in the middle). */
const tcpOptions: fc.Arbitrary<TcpOption[]> = fc
  .array(
    fc.oneof(
      fc.constant<TcpOption>({ kind: 1 }),
      fc.record({ kind: fc.integer({ min: 2, max: 255 }), data: fc.uint8Array({ maxLength: 10 }) }, { noNullPrototype: true }),
    ),
    { maxLength: 8 },
  )
  .filter((opts) => opts.reduce((n, o) => n + (o.kind === 1 ? 1 : 2 + o.data!.length), 0) <= 40);

test('address helpers round-trip', () => {
  fc.assert(
    fc.property(u32, (n) => ipv4ToU32(u32ToIpv4(n)) === n),
    RUNS,
  );
  fc.assert(
    fc.property(mac, (m) => bytesToMac(macToBytes(m)) === m),
    RUNS,
  );
  assert.throws(() => ipv4ToU32('256.1.1.1'));
  assert.throws(() => macToBytes('aa:bb:cc'));
});

test('more addresses than the decoder keeps the texts of: each still reads as written, the second time too', () => {
  // the decoder remembers 4096 texts of each kind and then starts over: 10,000 addresses wrap it twice
  const frames = Array.from({ length: 10_000 }, (_, i) => {
    const srcIp = u32ToIpv4(0xc6120000 + i);
    const hex = (b: number) => b.toString(16).padStart(2, '0');
    const srcMac = `02:00:00:00:${hex(i >> 8)}:${hex(i & 255)}`;
    const dstMac = `02:01:00:00:${hex(i & 255)}:${hex(i >> 8)}`;
    return { srcIp, srcMac, dstMac, frame: buildTcpFrame({ srcMac, dstMac, srcIp, dstIp: '198.19.0.2', srcPort: 40000, dstPort: 80, seq: i, flags: 2 }) };
  });
  for (let round = 0; round < 2; round++)
    for (const { srcIp, srcMac, dstMac, frame } of frames) {
      const f = decodeFrame(frame)!;
      assert.deepEqual([f.ip!.src, f.ip!.dst, f.eth!.src, f.eth!.dst], [srcIp, '198.19.0.2', srcMac, dstMac]);
    }
});

test('Ethernet + ARP round-trip', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 2 }), mac, ip, mac, ip, mac, mac, (op, senderMac, senderIp, targetMac, targetIp, dst, src) => {
      const arp = { op, senderMac, senderIp, targetMac, targetIp };
      const f = decodeFrame(encodeEthernet(dst, src, ETHERTYPE_ARP, encodeArp(arp)));
      assert.deepEqual(f, { eth: { dst, src, etherType: ETHERTYPE_ARP }, arp });
    }),
    RUNS,
  );
  const req = decodeFrame(buildArpRequest({ srcMac: '02:00:00:00:00:01', srcIp: '198.18.200.1', targetIp: '198.18.200.2' }))!;
  assert.equal(req.eth!.dst, 'ff:ff:ff:ff:ff:ff');
  assert.deepEqual(req.arp, { op: 1, senderMac: '02:00:00:00:00:01', senderIp: '198.18.200.1', targetMac: '00:00:00:00:00:00', targetIp: '198.18.200.2' });
});

test('IPv4 header round-trip with options; header checksum verifies', () => {
  fc.assert(
    fc.property(
      fc.record({
        src: ip,
        dst: ip,
        protocol: u8,
        ttl: u8,
        id: u16,
        tos: u8,
        flags: fc.nat({ max: 7 }),
        fragmentOffset: fc.nat({ max: 0x1fff }),
        options: bytes(40),
      }),
      bytes(64),
      (fields, payload) => {
        const pkt = encodeIPv4(fields, payload);
        const h = decodeIPv4Header(pkt, 0, pkt.length)!;
        const padded = (fields.options.length + 3) & ~3;
        assert.equal(h.ihl, 5 + padded / 4);
        assert.equal(h.totalLength, pkt.length);
        assert.deepEqual(h.options, Uint8Array.from([...fields.options, 0, 0, 0].slice(0, padded)));
        const { options: _o, ...rest } = fields;
        assert.deepEqual(
          { src: h.src, dst: h.dst, protocol: h.protocol, ttl: h.ttl, id: h.id, tos: h.tos, flags: h.flags, fragmentOffset: h.fragmentOffset },
          rest,
        );
        assert.equal(internetChecksum(pkt, 0, h.ihl * 4), 0);
        assert.deepEqual(pkt.subarray(h.ihl * 4), payload);
      },
    ),
    RUNS,
  );
});

const tcpFields = fc.record({
  srcIp: ip,
  dstIp: ip,
  srcPort: port,
  dstPort: port,
  seq: u32,
  ack: u32,
  flags: u8,
  window: u16,
  urgent: u16,
  ttl: u8,
  id: u16,
  options: tcpOptions,
  payload: bytes(100),
});

test('TCP frame round-trip: every field, options, payload; both checksums verify', () => {
  fc.assert(
    fc.property(tcpFields, mac, mac, (o, srcMac, dstMac) => {
      const f = decodeFrame(buildTcpFrame({ ...o, srcMac, dstMac }))!;
      assert.deepEqual(f.eth, { dst: dstMac, src: srcMac, etherType: ETHERTYPE_IPV4 });
      assert.equal(f.ipChecksumOk, true);
      assert.equal(f.l4ChecksumOk, true);
      assert.equal(f.ip!.protocol, IPPROTO_TCP);
      assert.deepEqual([f.ip!.src, f.ip!.dst, f.ip!.ttl, f.ip!.id], [o.srcIp, o.dstIp, o.ttl, o.id]);
      const t = f.tcp!;
      assert.deepEqual(
        {
          srcPort: t.srcPort,
          dstPort: t.dstPort,
          seq: t.seq,
          ack: t.ack,
          flags: t.flags,
          window: t.window,
          urgent: t.urgent,
          options: t.options,
          payload: t.payload,
        },
        {
          srcPort: o.srcPort,
          dstPort: o.dstPort,
          seq: o.seq,
          ack: o.ack,
          flags: o.flags,
          window: o.window,
          urgent: o.urgent,
          options: o.options,
          payload: o.payload,
        },
      );
      // the bare IP packet builder writes exactly the frame's IP part
      assert.deepEqual(buildTcpPacket(o), buildTcpFrame({ ...o, srcMac, dstMac }).subarray(14));
      assert.deepEqual(encodeTcpSegment(o, o.srcIp, o.dstIp), buildTcpPacket(o).subarray(20));
    }),
    RUNS,
  );
});

test('a single flipped bit anywhere in a TCP segment is reported as a bad checksum', () => {
  fc.assert(
    fc.property(tcpFields, fc.nat(), fc.nat({ max: 7 }), (o, at, bit) => {
      const pkt = buildTcpPacket(o);
      const i = 20 + (at % (pkt.length - 20));
      // flipping the data-offset nibble changes the header's shape, not just its sum
      fc.pre(i !== 32);
      pkt[i]! ^= 1 << bit;
      const f = decodeIPv4Packet(pkt)!;
      if (f.tcp) assert.equal(f.l4ChecksumOk, false);
    }),
    RUNS,
  );
});

test('UDP round-trip; checksum verifies (a computed 0 goes out as 0xffff)', () => {
  fc.assert(
    fc.property(ip, ip, port, port, bytes(200), mac, mac, (srcIp, dstIp, srcPort, dstPort, payload, srcMac, dstMac) => {
      const o = { srcIp, dstIp, srcPort, dstPort, payload };
      const f = decodeFrame(buildUdpFrame({ ...o, srcMac, dstMac }))!;
      assert.equal(f.ipChecksumOk, true);
      assert.equal(f.l4ChecksumOk, true);
      assert.equal(f.ip!.protocol, IPPROTO_UDP);
      assert.notEqual(f.udp!.checksum, 0);
      assert.deepEqual(f.udp, { srcPort, dstPort, length: 8 + payload.length, checksum: f.udp!.checksum, payload });
      assert.deepEqual(encodeUdpDatagram(o, srcIp, dstIp), buildUdpPacket(o).subarray(20));
    }),
    RUNS,
  );
});

test('ICMP echo round-trip', () => {
  fc.assert(
    fc.property(ip, ip, u16, u16, bytes(64), mac, mac, (srcIp, dstIp, echoId, echoSeq, payload, srcMac, dstMac) => {
      const f = decodeFrame(buildIcmpEchoFrame({ srcIp, dstIp, echoId, echoSeq, payload, srcMac, dstMac }))!;
      assert.equal(f.ipChecksumOk, true);
      assert.equal(f.l4ChecksumOk, true);
      assert.deepEqual([f.icmp!.type, f.icmp!.code, f.icmp!.rest >>> 16, f.icmp!.rest & 0xffff, f.icmp!.quoted], [8, 0, echoId, echoSeq, undefined]);
      assert.deepEqual(f.icmp!.payload, payload);
    }),
    RUNS,
  );
});

test('ICMP errors: the quoted probe header and its ports / sequence number decode', () => {
  fc.assert(
    fc.property(fc.constantFrom(3, 4, 5, 11, 12), u8, tcpFields, fc.boolean(), fc.integer({ min: 0, max: 8 }), (type, code, probe, isTcp, quotedL4Bytes) => {
      const probePacket = isTcp
        ? buildTcpPacket(probe)
        : buildUdpPacket({ srcIp: probe.srcIp, dstIp: probe.dstIp, srcPort: probe.srcPort, dstPort: probe.dstPort, ttl: probe.ttl, id: probe.id });
      // routers quote the IP header + at least 8 bytes; also try fewer, as broken ones do
      const quote = probePacket.subarray(0, 20 + quotedL4Bytes);
      const error = encodeIPv4({ src: probe.dstIp, dst: probe.srcIp, protocol: IPPROTO_ICMP }, encodeIcmp({ type, code, payload: quote }));
      const f = decodeIPv4Packet(error)!;
      assert.equal(f.l4ChecksumOk, true);
      const q = f.icmp!.quoted!;
      assert.equal(q.protocol, isTcp ? IPPROTO_TCP : IPPROTO_UDP);
      assert.deepEqual([q.ip.src, q.ip.dst, q.ip.id, q.ip.ttl, q.ip.totalLength], [probe.srcIp, probe.dstIp, probe.id, probe.ttl, probePacket.length]);
      assert.equal(q.srcPort, quotedL4Bytes >= 4 ? probe.srcPort : undefined);
      assert.equal(q.dstPort, quotedL4Bytes >= 4 ? probe.dstPort : undefined);
      assert.equal(q.seq, isTcp && quotedL4Bytes >= 8 ? probe.seq : undefined);
    }),
    RUNS,
  );
});

test('TcpProbeTemplate.fill writes exactly what buildTcpFrame builds', () => {
  fc.assert(
    fc.property(tcpFields, mac, mac, port, u32, port, u16, fc.boolean(), (o, srcMac, dstMac, dstPort, seq, srcPort, id, ethernet) => {
      const link = ethernet ? { srcMac, dstMac } : {};
      const template = new TcpProbeTemplate({ ...o, ...link });
      for (const [p, s] of [
        [dstPort, seq],
        [(dstPort + 1) & 0xffff, (seq + 1) >>> 0],
      ] as const) {
        const want = ethernet
          ? buildTcpFrame({ ...o, srcMac, dstMac, dstPort: p, seq: s, srcPort, id })
          : buildTcpPacket({ ...o, dstPort: p, seq: s, srcPort, id });
        assert.deepEqual(template.fill(p, s, srcPort, id), want);
      }
      const defaults = ethernet ? buildTcpFrame({ ...o, srcMac, dstMac, dstPort, seq }) : buildTcpPacket({ ...o, dstPort, seq });
      assert.deepEqual(template.fill(dstPort, seq), defaults);
    }),
    RUNS,
  );
});
