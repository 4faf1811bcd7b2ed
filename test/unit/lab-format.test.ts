import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labTopology, plannedDescription } from '../../src/lab';
import { formatLabDescription } from '../../src/lab/format';

test('the human view lists hosts and every port with its truth; a lab that is down says so and gives no scan hint', () => {
  const text = formatLabDescription(plannedDescription(labTopology(3)));
  const lines = text.split('\n');
  assert.equal(lines[0], 'lab 3 (198.18.3.0/24, 2001:2:0:3::/64): down');
  assert.ok(lines.includes('scanner    portlab3-scanner    pl3s   198.18.3.1/24  2001:2:0:3::1/64  02:70:6c:03:00:01'), text);
  assert.ok(lines.includes('target     portlab3-target     pl3t   198.18.3.2/24  2001:2:0:3::2/64  02:70:6c:03:00:02'), text);
  assert.ok(lines.includes('stateless  portlab3-stateless  pl3f   198.18.3.3/24  2001:2:0:3::3/64  02:70:6c:03:00:03'), text);
  assert.ok(
    lines.includes('zombie     portlab3-zombie     pl3z   198.18.3.4/24  2001:2:0:3::4/64  02:70:6c:03:00:04  also 198.18.3.5/24 (random IP ID)'),
    text,
  );
  assert.ok(lines.includes('switch: bridge br0 in portlab3-switch, one port per host'), text);
  assert.match(
    text,
    /^110\/tcp {3}filtered-reject {2}nftables in the target answers ICMP admin-prohibited \(3\/13, ICMPv6 1\/1\): tcp dport 110 reject with icmpx admin-prohibited$/m,
  );
  assert.match(text, /^69\/udp {4}closed {11}no listener/m);
  assert.match(text, /^stateless 198\.18\.3\.3: a host behind a stateless firewall/m);
  assert.match(text, /^80\/tcp {2}filtered-syn {3}.*: tcp dport 80 tcp flags syn \/ syn,ack drop$/m);
  assert.match(text, /^zombie 198\.18\.3\.4: an idle scan's zombie: .*random on 198\.18\.3\.5/m);
  assert.doesNotMatch(text, /scan it/);
});

test('problems of a half-built lab are printed under its first line', () => {
  const d = { ...plannedDescription(labTopology(3)), problems: ['portlab lab listen (pid 42) is not running'] };
  assert.equal(formatLabDescription(d).split('\n')[1], '  problem: portlab lab listen (pid 42) is not running');
});
