import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IcmpBudget, IcmpBudgets } from '../../src/engine/icmp-budget';

test('a target that never sent an ICMP error does not hold back retransmissions', () => {
  const b = new IcmpBudget();
  for (let i = 0; i < 100; i++) {
    assert.equal(b.mayRetry(i), true);
    assert.equal(b.reserve(), false);
  }
});

test("after the target's first error, retransmissions go one per token, as Linux's limit refills", () => {
  const b = new IcmpBudget(6, 1000);
  // six errors at once: the burst was there, and is now spent; the count does not go below zero
  for (let i = 0; i < 6; i++) b.errorReceived(0);
  assert.equal(b.mayRetry(0), false);
  assert.equal(b.msUntilRetry(0), 1000);
  assert.equal(b.mayRetry(999), false);
  assert.equal(b.mayRetry(1000), true);
  assert.equal(b.reserve(), true);
  // the one token is held for the retransmission in flight: the next must wait for another
  assert.equal(b.mayRetry(1500), false);
  assert.equal(b.msUntilRetry(1500), 500);
  b.errorReceived(1600); // it was answered: the token is spent, the hold released
  b.release();
  assert.equal(b.mayRetry(1600), false);
  assert.equal(b.mayRetry(2000), true);
});

test('a silent retransmission gives its token back', () => {
  const b = new IcmpBudget(6, 1000);
  b.errorReceived(0);
  assert.equal(b.mayRetry(1000), true);
  b.reserve();
  assert.equal(b.mayRetry(1000), false);
  b.release();
  assert.equal(b.mayRetry(1000), true);
});

test('the budget never grows beyond the burst, however long the target was idle', () => {
  const b = new IcmpBudget(6, 1000);
  b.errorReceived(0);
  for (let i = 0; i < 6; i++) assert.equal(b.reserve(), true);
  assert.equal(b.mayRetry(1_000_000), false);
  assert.equal(b.msUntilRetry(1_000_000), 1000);
  b.release();
  assert.equal(b.mayRetry(1_000_000), true);
});

test('budgets are kept per target and per source address, and persist across lookups', () => {
  const budgets = new IcmpBudgets();
  budgets.for('198.18.0.2').errorReceived(0);
  assert.equal(budgets.for('198.18.0.2').mayRetry(0), false);
  assert.equal(budgets.for('198.18.0.3').mayRetry(0), true);
  assert.equal(budgets.for('198.18.0.2', '198.18.0.9').mayRetry(0), true);
});

test('what the target spent before its first error is unknown: the model assumes the bucket is empty then', () => {
  const b = new IcmpBudget(6, 1000);
  b.errorReceived(5000);
  assert.equal(b.mayRetry(5000), false);
  assert.equal(b.mayRetry(5999), false);
  assert.equal(b.mayRetry(6000), true);
});

test("a target that answers faster than Linux's default proves a shorter interval, and retries speed up", () => {
  const b = new IcmpBudget(6, 1000);
  // 150 errors within 150 ms: no 1 s bucket with a burst of 6 sends that many
  for (let i = 0; i < 150; i++) b.errorReceived(i);
  assert.equal(b.mayRetry(160), true);
  b.reserve();
  assert.ok(b.msUntilRetry(160) < 10, `waits ${b.msUntilRetry(160)} ms`);
});

test("errors at Linux's default pace never shrink the interval", () => {
  const b = new IcmpBudget(6, 1000);
  for (let i = 0; i < 6; i++) b.errorReceived(0);
  for (let k = 1; k <= 10; k++) b.errorReceived(k * 1000);
  assert.equal(b.mayRetry(10_000), false);
  assert.equal(b.msUntilRetry(10_000), 1000);
});

test('before any error, a last attempt waits one refill interval after probing started; other retries do not', () => {
  const b = new IcmpBudget(6, 1000);
  // another tool may have emptied the bucket just before: until it refilled once, a closed port may be silent
  assert.equal(b.mayRetry(0, true), false);
  b.probingStarted(100);
  b.probingStarted(500); // only the first start counts
  assert.equal(b.mayRetry(600), true, 'a retry that is not the last goes at once');
  assert.equal(b.mayRetry(1099, true), false);
  assert.equal(b.msUntilRetry(600, true), 500);
  assert.equal(b.mayRetry(1100, true), true);
  assert.equal(b.msUntilRetry(1100, true), 0);
});

test('before any error, last attempts go one per token of a bucket emptied when probing started, each holding its token', () => {
  const b = new IcmpBudget(6, 1000);
  b.probingStarted(0);
  assert.equal(b.mayRetry(1000, true), true);
  assert.equal(b.reserve(true), true, 'a last attempt holds its token');
  // a second last attempt at the same moment would find that token spent: it waits, it is not sent twice
  assert.equal(b.mayRetry(1000, true), false);
  assert.equal(b.msUntilRetry(1000, true), 1000);
  assert.equal(b.mayRetry(1000), true, 'a retry that is not the last still goes at once');
  assert.equal(b.reserve(), false, '... and holds nothing');
  b.release(); // the first last attempt met silence: its token was not spent
  assert.equal(b.mayRetry(1000, true), true);
  // two seconds in, two tokens: two last attempts may be in flight together
  b.reserve(true);
  assert.equal(b.mayRetry(2000, true), true);
  b.reserve(true);
  assert.equal(b.mayRetry(2000, true), false);
});

test("the target's first error empties the model's bucket, whatever it held before", () => {
  const b = new IcmpBudget(6, 1000);
  b.probingStarted(0);
  assert.equal(b.mayRetry(3000, true), true);
  b.errorReceived(3000);
  assert.equal(b.mayRetry(3000, true), false);
  assert.equal(b.mayRetry(3000), false, 'once limiting, every retransmission waits for a token');
  assert.equal(b.mayRetry(4000, true), true);
});

test('an IPv6 target starts at the ICMPv6 limit of Linux (ten a second), an IPv4 one at the ICMP limit (one a second)', () => {
  const budgets = new IcmpBudgets();
  for (const [target, interval] of [
    ['198.18.5.2', 1000],
    ['2001:2:0:5::2', 100],
  ] as const) {
    const b = budgets.for(target);
    b.probingStarted(0);
    b.errorReceived(0);
    // the bucket the first error emptied holds one token again after one interval, not before
    assert.equal(b.mayRetry(interval - 1), false, target);
    assert.equal(b.mayRetry(interval), true, target);
  }
});
