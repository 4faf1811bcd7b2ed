import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OutgoingFrames } from '../../src/link/outgoing-frames';

test('OutgoingFrames copies frames in back to back, so the template can be rewritten at once', () => {
  const batch = new OutgoingFrames(3, 100);
  const template = Uint8Array.of(1, 2, 3, 4);
  assert.equal(batch.add(template), 0);
  template[0] = 9;
  assert.equal(batch.add(template.subarray(0, 2)), 1);
  assert.equal(batch.count, 2);
  assert.deepEqual([...batch.frame(0)], [1, 2, 3, 4]);
  assert.deepEqual([...batch.frame(1)], [9, 2]);
  assert.deepEqual([...batch.offsets.subarray(0, 2)], [0, 4]);
  assert.deepEqual([...batch.lengths.subarray(0, 2)], [4, 2]);
  batch.add(template);
  assert.ok(batch.full);
  assert.throws(() => batch.add(template), RangeError);
  batch.clear();
  assert.equal(batch.count, 0);
  assert.equal(batch.add(Uint8Array.of(7)), 0);
  assert.deepEqual([...batch.frame(0)], [7]);
});

test('OutgoingFrames refuses a frame longer than its slot and a bad capacity', () => {
  assert.throws(() => new OutgoingFrames(2, 10).add(new Uint8Array(11)), RangeError);
  assert.throws(() => new OutgoingFrames(0), RangeError);
  assert.throws(() => new OutgoingFrames(1, 65536), RangeError);
  assert.throws(() => new OutgoingFrames(2).frame(0), RangeError);
});
