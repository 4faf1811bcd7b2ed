// The scan loop's queues of port indices: first in, first out, each port once, nothing allocated per port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PortQueue, PortQueues } from '../../src/engine/port-queue';

test('PortQueue: first in first out around its ring, positions stay absolute, a port queued twice is refused', () => {
  const q = new PortQueue(3);
  assert.equal(q.peek(), -1);
  assert.equal(q.shift(), -1);
  const order: number[] = [];
  // more pushes than slots in total: the ring wraps
  for (let round = 0; round < 4; round++) {
    q.push(round);
    q.push(round + 10);
    assert.deepEqual([q.first, q.end, q.length], [2 * round, 2 * round + 2, 2]);
    assert.equal(q.at(q.first + 1), round + 10);
    order.push(q.shift(), q.shift());
  }
  assert.deepEqual(order, [0, 10, 1, 11, 2, 12, 3, 13]);
  q.push(1);
  q.push(2);
  q.push(3);
  assert.throws(() => q.push(4), /queued twice/);
});

test('PortQueues: one FIFO per source, a port in one at a time, shifted ports can be queued again', () => {
  const q = new PortQueues(6, 2);
  q.push(0, 4);
  q.push(1, 2);
  q.push(0, 1);
  q.push(0, 5);
  assert.equal(q.length, 4);
  assert.deepEqual([q.peek(0), q.peek(1)], [4, 2]);
  assert.deepEqual([q.shift(0), q.shift(0)], [4, 1]);
  q.push(1, 4);
  assert.deepEqual([q.shift(1), q.shift(1), q.shift(1)], [2, 4, -1]);
  assert.deepEqual([q.shift(0), q.shift(0), q.length], [5, -1, 0]);
  q.push(0, 5);
  assert.deepEqual([q.peek(0), q.length], [5, 1]);
});
