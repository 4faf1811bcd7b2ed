import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SCAN_RING_BYTES, scanRingBytes } from '../../src/link/capture';

test('targets scanned at once share one ring of memory, each down to eight 32 KiB blocks', () => {
  assert.equal(scanRingBytes(1), SCAN_RING_BYTES);
  assert.equal(scanRingBytes(2), SCAN_RING_BYTES / 2);
  assert.equal(scanRingBytes(4), 256 * 1024);
  assert.equal(scanRingBytes(8), 256 * 1024, 'never fewer than eight blocks: each holds a block timeout of a starved receive thread');
  assert.equal(scanRingBytes(0), SCAN_RING_BYTES);
});
