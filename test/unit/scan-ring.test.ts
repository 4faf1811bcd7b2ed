import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SCAN_RING_BYTES, scanRingBytes } from '../../src/link/capture';
import { loadNativeLayer } from '../../src/link/native-addon';

test('targets scanned at once share one ring of memory, each down to eight of the native ring blocks', () => {
  const block = loadNativeLayer().ringBlockBytes;
  assert.equal(block, 32 * 1024, "the native layer's ring block");
  assert.equal(scanRingBytes(1), SCAN_RING_BYTES);
  assert.equal(scanRingBytes(2), SCAN_RING_BYTES / 2);
  assert.equal(scanRingBytes(4), 8 * block);
  assert.equal(scanRingBytes(8), 8 * block, 'never fewer than eight blocks: each holds a block timeout of a starved receive thread');
  assert.equal(scanRingBytes(0), SCAN_RING_BYTES);
});
