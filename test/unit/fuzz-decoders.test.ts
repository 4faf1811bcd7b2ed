// The fuzz campaign (scripts/fuzz.ts) at the size issue 7 asks for: no generated input may make a decoder
// or the pcap reader throw or hang. ~6 s here; `npm run fuzz -- --frames N` runs longer campaigns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeFrame, decodeIPv4Packet } from '../../src/wire';
import { readPcap } from '../../src/wire/pcap';
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
  // the generator reaches both sides of every decoder
  assert.ok(r.decoded > 0 && r.rejected > 0 && r.ipDecoded > 0 && r.pcapRecords > 0 && r.pcapTruncated > 0 && r.pcapErrors > 0);
  t.diagnostic(
    `seed ${seed}: ${r.frames} frames in ${r.seconds} s, decoded ${r.decoded}, rejected ${r.rejected}, ${r.pcapFiles} pcap files, throws ${r.throws}`,
  );
});

const ARBITRARY_RUNS = 20_000;

test('arbitrary bytes (fast-check): decoders and the pcap reader return, never throw', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      decodeFrame(bytes);
      decodeIPv4Packet(bytes);
      const r = readPcap(bytes);
      assert.ok(Array.isArray(r.records));
    }),
    { numRuns: ARBITRARY_RUNS },
  );
  t.diagnostic(`${ARBITRARY_RUNS} arbitrary byte strings: no throw`);
});
