import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PortBatches } from '../../src/helper/port-batches';
import type { PortResult } from '../../src/protocol';

const result = (port: number): PortResult => ({
  technique: 'syn',
  target: '198.18.0.2',
  port,
  protocol: 'tcp',
  state: 'closed',
  reason: 'reset',
  exchange: [],
});

test('full batches leave at once, the rest after the delay, each scan in the order its ports were decided', async () => {
  const sent: [string, number[]][] = [];
  const batches = new PortBatches((scanId, results) => sent.push([scanId, results.map((r) => r.port)]), 3, 10);
  for (const port of [1, 2, 3, 4]) batches.add('scan-a', result(port));
  batches.add('scan-b', result(9));
  batches.add('scan-a', result(5));
  assert.deepEqual(sent, [['scan-a', [1, 2, 3]]]);
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(sent, [
    ['scan-a', [1, 2, 3]],
    ['scan-a', [4, 5]],
    ['scan-b', [9]],
  ]);
});

test('a flush sends what a scan gathered before its next event, once, and nothing for a scan with none', async () => {
  const sent: [string, number[]][] = [];
  const batches = new PortBatches((scanId, results) => sent.push([scanId, results.map((r) => r.port)]), 100, 10);
  batches.add('scan-a', result(1));
  batches.add('scan-b', result(2));
  batches.flush('scan-a');
  batches.flush('scan-c');
  assert.deepEqual(sent, [['scan-a', [1]]]);
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(sent, [
    ['scan-a', [1]],
    ['scan-b', [2]],
  ]);
});
