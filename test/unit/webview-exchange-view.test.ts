import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExchangePacket } from '../../src/protocol/scan';
import { addressOrder, deviatingFrames, firstShownPacket } from '../../webview/exchange-view';

const packet = (dir: 'in' | 'out', frame?: number): ExchangePacket => ({
  dir,
  t: 0,
  src: '198.18.81.2',
  len: 40,
  kind: 'tcp',
  flags: 'S',
  ...(frame ? { frame } : {}),
});

test('an exchange opens on its first captured answer, else its first captured packet', () => {
  assert.equal(firstShownPacket([packet('out', 1), packet('in', 2), packet('in', 3)]), 1);
  // An answer that was not written to the capture has no headers to show.
  assert.equal(firstShownPacket([packet('out', 1), packet('in'), packet('in', 3)]), 2);
  assert.equal(firstShownPacket([packet('out'), packet('out', 2)]), 1);
  assert.equal(firstShownPacket([packet('out'), packet('in')]), undefined);
  assert.equal(firstShownPacket([]), undefined);
});

test('the frames the deviations cite, of a check’s case or a capture’s exchange', () => {
  const deviation = (frames: number[]) => ({ frames });
  assert.deepEqual([...deviatingFrames({ textbook: { deviations: [deviation([3, 4]), deviation([4])] } })].sort(), [3, 4]);
  assert.equal(deviatingFrames({}).size, 0);
  assert.equal(deviatingFrames(undefined).size, 0);
});

test('IPv4 addresses sort by their numbers, other targets by their text', () => {
  const sorted = ['198.18.0.10', '198.18.0.9', '127.0.0.1', 'example.org'].sort((a, b) => addressOrder(a).localeCompare(addressOrder(b)));
  assert.deepEqual(sorted, ['127.0.0.1', '198.18.0.9', '198.18.0.10', 'example.org']);
  assert.equal(addressOrder('scanme.nmap.org'), 'scanme.nmap.org');
});
