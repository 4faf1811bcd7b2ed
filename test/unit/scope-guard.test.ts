import { test } from 'node:test';
import assert from 'node:assert/strict';
import { helperAllowRanges, rangeWithin, ScopeGuard } from '../../src/engine/scope';
import { UserError } from '../../src/base/errors';

const refused = (fn: () => unknown, ...words: string[]) =>
  assert.throws(fn, (e: unknown) => e instanceof UserError && words.every((w) => e.message.includes(w)));

test('lab ranges are allowed without asking', () => {
  const guard = new ScopeGuard();
  for (const a of ['127.0.0.1', '10.1.2.3', '172.31.255.255', '192.168.0.1', '169.254.9.9', '100.127.0.1', '198.19.255.254', '198.18.21.2'])
    assert.doesNotThrow(() => guard.check(a), a);
});

test('public and edge addresses are refused with the range list and the flag to widen it', () => {
  const guard = new ScopeGuard();
  for (const a of ['8.8.8.8', '172.32.0.1', '100.128.0.1', '198.20.0.1', '11.0.0.1', '0.0.0.0', '224.0.0.1'])
    refused(() => guard.check(a), a, '198.18.0.0/15', `--allow-target ${a}/32`);
});

test('allows says yes or no where check would pass or refuse', () => {
  const guard = new ScopeGuard(['203.0.113.0/24']);
  for (const a of ['127.0.0.1', '198.18.21.2', '203.0.113.77']) assert.equal(guard.allows(a), true, a);
  for (const a of ['8.8.8.8', '203.0.114.1', 'localhost', '198.18.0', '']) assert.equal(guard.allows(a), false, a);
});

test('--allow-target widens the scope by exactly its CIDR', () => {
  const guard = new ScopeGuard(['203.0.113.0/24']);
  assert.doesNotThrow(() => guard.check('203.0.113.77'));
  refused(() => guard.check('203.0.114.1'), '203.0.114.1');
});

test('a malformed --allow-target is a UserError naming it', () => {
  refused(() => new ScopeGuard(['300.1.1.1/8']), '300.1.1.1/8', '--allow-target');
  refused(() => new ScopeGuard(['example']), 'example');
});

test('names resolve before the check; unresolvable names are UserErrors', async () => {
  const guard = new ScopeGuard();
  assert.deepEqual(await guard.resolve(['localhost', '127.0.0.1', '198.18.0.2']), ['127.0.0.1', '198.18.0.2']);
  await assert.rejects(guard.resolve(['no-such-host.invalid']), (e: unknown) => e instanceof UserError && e.message.includes('cannot resolve'));
  await assert.rejects(guard.resolve(['1.2.3']), (e: unknown) => e instanceof UserError);
});

test('an address in --allow-target means its /32', () => {
  const guard = new ScopeGuard(['203.0.113.7']);
  assert.doesNotThrow(() => guard.check('203.0.113.7'));
  refused(() => guard.check('203.0.113.8'), '203.0.113.8');
});

test('the helper takes launch ranges up to a /8, and refuses wider ones with the size', () => {
  assert.deepEqual(helperAllowRanges(['11.0.0.0/8', '203.0.113.0/24', '8.8.8.8']), ['11.0.0.0/8', '203.0.113.0/24', '8.8.8.8']);
  refused(() => helperAllowRanges(['0.0.0.0/0']), '0.0.0.0/0', '4294967296 addresses', 'at most a /8');
  refused(() => helperAllowRanges(['203.0.113.0/24', '12.0.0.0/7']), '12.0.0.0/7');
  refused(() => helperAllowRanges(['nonsense']), 'nonsense', '--allow-target');
});

test('a request range must lie inside a launch range or a lab range', () => {
  const launch = ['203.0.113.0/24'];
  for (const inner of ['203.0.113.0/24', '203.0.113.128/25', '203.0.113.9', '198.18.0.0/15', '198.18.30.0/24', '127.0.0.1/32'])
    assert.equal(rangeWithin(inner, launch), true, inner);
  for (const inner of ['0.0.0.0/0', '203.0.112.0/23', '203.0.114.1', '8.8.8.8/32', '198.16.0.0/13']) assert.equal(rangeWithin(inner, launch), false, inner);
  assert.equal(rangeWithin('8.8.8.8', []), false);
});
