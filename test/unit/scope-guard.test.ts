import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalAddress, checkOneIpVersion, helperAllowRanges, rangeWithin, ScopeGuard } from '../../src/engine/scope';
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

test('IPv6 lab ranges are allowed without asking: loopback, ULA, link-local, the benchmarking 2001:2::/48', () => {
  const guard = new ScopeGuard();
  for (const a of [
    '::1',
    'fc00::1',
    'fd12:3456::9',
    'fe80::1',
    'fe80::70:6cff:fef0:2%pl240s',
    'febf::1',
    '2001:2::1',
    '2001:2:0:240::2',
    '2001:2:0:ffff::ffff',
  ])
    assert.doesNotThrow(() => guard.check(a), a);
});

test('other IPv6 addresses are refused with the IPv6 range list and the /128 to widen it', () => {
  const guard = new ScopeGuard();
  for (const a of ['2001:3::1', '2001:4860:4860::8888', '2001:db8::1', '::', '::2', 'ff02::1', 'fec0::1', '2001:1:ffff::1'])
    refused(() => guard.check(a), a, '2001:2::/48', 'fc00::/7', `--allow-target ${a}/128`);
});

test('an IPv4-mapped IPv6 address is judged as the IPv4 address it reaches', () => {
  const guard = new ScopeGuard();
  assert.doesNotThrow(() => guard.check('::ffff:198.18.0.2'));
  refused(() => guard.check('::ffff:8.8.8.8'), '::ffff:8.8.8.8 (8.8.8.8)', '198.18.0.0/15', '--allow-target 8.8.8.8/32');
});

test('--allow-target takes IPv6 CIDRs and addresses, each widening by exactly its range', () => {
  const guard = new ScopeGuard(['2001:db8:1::/48', '2a00::7']);
  for (const a of ['2001:db8:1::1', '2001:db8:1:ffff::9', '2a00::7']) assert.equal(guard.allows(a), true, a);
  for (const a of ['2001:db8:2::1', '2a00::8', '8.8.8.8']) assert.equal(guard.allows(a), false, a);
  refused(() => new ScopeGuard(['2001:db8::/129']), '2001:db8::/129', '--allow-target');
  refused(() => new ScopeGuard(['2001:db8::1::2']), '2001:db8::1::2');
});

test('the helper takes IPv6 launch ranges up to a /32, and refuses wider ones with the size', () => {
  assert.deepEqual(helperAllowRanges(['2001:db8::/32', 'fd12:3456::/48', '2a00::1']), ['2001:db8::/32', 'fd12:3456::/48', '2a00::1']);
  refused(() => helperAllowRanges(['::/0']), '::/0', '340282366920938463463374607431768211456 addresses', 'at most a /32');
  refused(() => helperAllowRanges(['2001::/16']), '2001::/16');
  refused(() => helperAllowRanges(['fd00::/8']), 'fd00::/8');
});

test('an IPv6 request range must lie inside an IPv6 launch range or lab range, never an IPv4 one', () => {
  assert.equal(rangeWithin('2001:2:0:240::/64', []), true);
  assert.equal(rangeWithin('2001:db8:0:1::/64', ['2001:db8::/32']), true);
  assert.equal(rangeWithin('2001:db8::/31', ['2001:db8::/32']), false);
  assert.equal(rangeWithin('2001:2::/47', []), false);
  assert.equal(rangeWithin('::/0', ['0.0.0.0/0']), false);
});

test('IPv6 literals resolve without -6, in canonical form; -6 refuses IPv4 literals and names without AAAA', async () => {
  const guard = new ScopeGuard();
  assert.deepEqual(await guard.resolve(['2001:2:0:240:0::2', '2001:2:0:240::2', 'FD00::1']), ['2001:2:0:240::2', 'fd00::1']);
  assert.deepEqual(await guard.resolve(['::1'], 6), ['::1']);
  await assert.rejects(guard.resolve(['198.18.0.2'], 6), (e: unknown) => e instanceof UserError && e.message.includes('-6 scans IPv6 targets only'));
  await assert.rejects(guard.resolve(['no-such-host.invalid'], 6), (e: unknown) => e instanceof UserError && e.message.includes('IPv6 address'));
});

test('one scan is of one address family', () => {
  assert.equal(checkOneIpVersion(['198.18.0.2', '127.0.0.1']), 4);
  assert.equal(checkOneIpVersion(['::1', '2001:2:0:240::2']), 6);
  refused(() => checkOneIpVersion(['198.18.0.2', '::1']), '198.18.0.2 (IPv4)', '::1 (IPv6)', 'its own run');
});

test('canonicalAddress writes IPv6 as RFC 5952 does and IPv4-mapped ones as IPv4', () => {
  assert.equal(canonicalAddress('2001:0002:0000:0240:0000:0000:0000:0002'), '2001:2:0:240::2');
  assert.equal(canonicalAddress('FE80::1%pl240s'), 'fe80::1%pl240s');
  assert.equal(canonicalAddress('::ffff:198.18.0.2'), '198.18.0.2');
  for (const bad of ['10.1', '1::2::3', 'example', '']) assert.equal(canonicalAddress(bad), undefined, bad);
});
