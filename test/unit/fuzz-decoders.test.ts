// The fuzz campaign (scripts/fuzz.ts) at the size issue 7 asks for: no generated input may make a decoder
// or the pcap reader throw or hang. about 20 s here; `npm run fuzz -- --frames N` runs longer campaigns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { decodeFrame, decodeIpPacket, decodeIPv4Packet, decodeIPv6Packet, decodeLinkFrame } from '../../src/wire';
import { readPcap } from '../../src/wire/pcap';
import { readCapture } from '../../src/wire/pcap/capture';
import { runFuzzWithWatchdog } from '../../scripts/fuzz';

const FRAMES = 1_000_000;

test('1,000,000 generated frames and ~187,000 pcap files: no throw, no hang', async (t) => {
  const seed = Date.now() % 2 ** 31;
  // the time limit only bounds a pathological slowdown; reaching every frame is asserted below
  const result = await runFuzzWithWatchdog({ frames: FRAMES, seconds: 240, seed }, 10);
  assert.equal(result.hung, undefined, `hang (seed ${seed})`);
  assert.equal(result.crashed, undefined);
  const r = result.report!;
  assert.deepEqual(r.firstThrows, [], `seed ${seed}`);
  assert.equal(r.throws, 0);
  assert.equal(r.frames, FRAMES, `stopped at the time limit (seed ${seed})`);
  // the generator reaches both sides of every decoder, IPv6's included
  assert.ok(r.decoded > 0 && r.rejected > 0 && r.ipDecoded > 0 && r.pcapRecords > 0 && r.pcapTruncated > 0 && r.pcapErrors > 0);
  assert.ok(r.decoded6 > 0 && r.ip6Decoded > 0 && r.ip6Decoded < r.ip6Calls);
  t.diagnostic(
    `seed ${seed}: ${r.frames} frames in ${r.seconds} s, decoded ${r.decoded} (IPv6 ${r.decoded6}), rejected ${r.rejected}, ${r.pcapFiles} pcap files, throws ${r.throws}`,
  );
});

const ARBITRARY_RUNS = 20_000;

test('arbitrary bytes (fast-check): decoders and the pcap reader return, never throw', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      decodeFrame(bytes);
      decodeIPv4Packet(bytes);
      decodeIPv6Packet(bytes);
      decodeIpPacket(bytes);
      const r = readPcap(bytes);
      assert.ok(Array.isArray(r.records));
      assert.ok(Array.isArray(readCapture(bytes).records));
    }),
    { numRuns: ARBITRARY_RUNS },
  );
  // a valid fixed IPv6 header (its payload length true) over arbitrary bytes, announcing an extension header,
  // TCP, UDP or ICMPv6: the decoders walk whatever follows
  const nextHeaders = [0, 6, 17, 43, 44, 58, 60];
  let layers = 0;
  fc.assert(
    fc.property(fc.constantFrom(...nextHeaders), fc.uint8Array({ maxLength: 200 }), (nextHeader, payload) => {
      const packet = new Uint8Array(40 + payload.length);
      packet.set([0x60, 0, 0, 0, payload.length >> 8, payload.length & 255, nextHeader, 64]);
      packet.set(payload, 40);
      const d = decodeIPv6Packet(packet);
      assert.ok(d?.ip6);
      if (d.tcp || d.udp || d.icmp6) layers++;
    }),
    { numRuns: ARBITRARY_RUNS },
  );
  assert.ok(layers > 0);
  t.diagnostic(`${ARBITRARY_RUNS} arbitrary byte strings and ${ARBITRARY_RUNS} arbitrary IPv6 payloads (${layers} with an upper layer): no throw`);
});

const MANGLED_CAPTURES = 20_000;
/** every link type decodeLinkFrame knows, and one it does not */
const LINK_TYPES = [0, 1, 12, 14, 101, 105, 108, 113, 228, 229, 276];

test('pcap and pcapng captures of every link type, cut and overwritten (fast-check): readCapture and decodeLinkFrame never throw', (t) => {
  const dir = join(import.meta.dirname, '../fixtures/captures/formats');
  const captures = readdirSync(dir)
    .filter((f) => /\.pcap(ng)?$/.test(f))
    .map((f) => new Uint8Array(readFileSync(join(dir, f))));
  let records = 0;
  let stopped = 0;
  fc.assert(
    fc.property(
      fc.constantFrom(...captures),
      fc.option(fc.nat(), { nil: undefined }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
      (capture, cut, writes) => {
        const bytes = capture.slice(0, cut === undefined ? undefined : cut % (capture.length + 1));
        for (const [at, value] of writes) if (bytes.length > 0) bytes[at % bytes.length] = value;
        const c = readCapture(bytes);
        records += c.records.length;
        if (c.error) stopped++;
        for (const r of c.records) decodeLinkFrame(r.linkType, r.data);
      },
    ),
    { numRuns: MANGLED_CAPTURES },
  );
  fc.assert(
    fc.property(fc.constantFrom(...LINK_TYPES), fc.uint8Array({ maxLength: 120 }), (linkType, bytes) => {
      decodeLinkFrame(linkType, bytes);
    }),
    { numRuns: ARBITRARY_RUNS },
  );
  // the generator reaches both whole packets and damage
  assert.ok(records > 0 && stopped > 0);
  t.diagnostic(`${MANGLED_CAPTURES} mangled captures (${records} records, ${stopped} stopped early), ${ARBITRARY_RUNS} arbitrary frames: no throw`);
});
