// A bounded slice of the fuzz campaign (scripts/fuzz.ts): no generated input may make a decoder or the
// pcap reader throw or hang. `npm run fuzz` runs the long campaign (1,000,000 frames by default).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeFrame, decodeIPv4Packet } from '../../src/engine/packet';
import { readPcap } from '../../src/engine/pcap';
import { runFuzzWithWatchdog } from '../../scripts/fuzz';

test('100,000 generated frames and ~18,000 pcap files: no throw, no hang', async (t) => {
  const seed = Date.now() % 2 ** 31;
  const result = await runFuzzWithWatchdog({ frames: 100_000, seconds: 20, seed }, 10);
  assert.equal(result.hung, undefined, `hang (seed ${seed})`);
  assert.equal(result.crashed, undefined);
  const r = result.report!;
  assert.deepEqual(r.firstThrows, [], `seed ${seed}`);
  assert.equal(r.throws, 0);
  // the generator reaches both sides of every decoder
  assert.ok(r.decoded > 0 && r.rejected > 0 && r.ipDecoded > 0 && r.pcapRecords > 0 && r.pcapTruncated > 0 && r.pcapErrors > 0);
  t.diagnostic(`seed ${seed}: ${r.frames} frames in ${r.seconds} s, decoded ${r.decoded}, rejected ${r.rejected}, ${r.pcapFiles} pcap files, throws ${r.throws}`);
});

test('arbitrary bytes (fast-check): decoders and the pcap reader return, never throw', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      decodeFrame(bytes);
      decodeIPv4Packet(bytes);
      const r = readPcap(bytes);
      assert.ok(Array.isArray(r.records));
    }),
    { numRuns: 20_000 },
  );
});
