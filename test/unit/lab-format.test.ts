import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labTopology, plannedDescription } from '../../src/lab';
import { formatLabDescription } from '../../src/lab/format';

test('the human view lists hosts and every port with its truth; a lab that is down says so and gives no scan hint', () => {
  const text = formatLabDescription(plannedDescription(labTopology(3)));
  const lines = text.split('\n');
  assert.equal(lines[0], 'lab 3 (198.18.3.0/24): down');
  assert.ok(lines.includes('scanner  portlab3-scanner  pl3s   198.18.3.1/24  02:70:6c:03:00:01'), text);
  assert.ok(lines.includes('target   portlab3-target   pl3t   198.18.3.2/24  02:70:6c:03:00:02'), text);
  assert.match(
    text,
    /^110\/tcp {3}filtered-reject {2}nftables in the target answers ICMP admin-prohibited \(3\/13\): tcp dport 110 reject with icmp admin-prohibited$/m,
  );
  assert.match(text, /^69\/udp {4}closed {11}no listener/m);
  assert.doesNotMatch(text, /scan it/);
});

test('problems of a half-built lab are printed under its first line', () => {
  const d = { ...plannedDescription(labTopology(3)), problems: ['portlab lab listen (pid 42) is not running'] };
  assert.equal(formatLabDescription(d).split('\n')[1], '  problem: portlab lab listen (pid 42) is not running');
});
