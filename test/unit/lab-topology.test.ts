import { isIPv6 } from 'node:net';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { UserError } from '../../src/base/errors';
import { checkLabId, labOfAddress, labTopology, parseLabId } from '../../src/lab';
import { checkIcmpRatelimit } from '../../src/lab';
import { labEndOf, labEnds, labOfNamespace, switchPort } from '../../src/lab/topology';
import { LabDescription, LabHostLink, labHostOf, labTruthAt } from '../../src/protocol';
import { plannedDescription } from '../../src/lab/describe';

/** How `ip` and PortLab's results write an IPv6 address: the lab's own spelling must be the same. */
const rfc5952 = (address: string) => ipaddr.IPv6.parse(address).toRFC5952String();

test('lab 0 is the one the design describes', () => {
  assert.deepEqual(labTopology(0), {
    id: 0,
    subnet: '198.18.0.0/24',
    subnet6: '2001:2::/64',
    segment: { namespace: 'portlab0-switch', bridge: 'br0' },
    scanner: { role: 'scanner', namespace: 'portlab0-scanner', iface: 'pl0s', address: '198.18.0.1', address6: '2001:2::1', mac: '02:70:6c:00:00:01' },
    target: { role: 'target', namespace: 'portlab0-target', iface: 'pl0t', address: '198.18.0.2', address6: '2001:2::2', mac: '02:70:6c:00:00:02' },
    stateless: {
      role: 'stateless',
      namespace: 'portlab0-stateless',
      iface: 'pl0f',
      address: '198.18.0.3',
      address6: '2001:2::3',
      mac: '02:70:6c:00:00:03',
    },
    zombie: {
      role: 'zombie',
      namespace: 'portlab0-zombie',
      iface: 'pl0z',
      address: '198.18.0.4',
      address6: '2001:2::4',
      mac: '02:70:6c:00:00:04',
      randomIpIdAddress: '198.18.0.5',
    },
    hostLink: {
      subnet: '198.18.0.128/30',
      prefixLength: 30,
      host: { iface: 'pl0h', address: '198.18.0.129', mac: '02:70:6c:00:00:81' },
      target: { namespace: 'portlab0-target', iface: 'pl0ht', address: '198.18.0.130', mac: '02:70:6c:00:00:82' },
      route: '198.18.0.2/32',
    },
  });
});

test("the host link is a /30 inside the lab's /24, apart from the scanner's and the target's addresses, routed to the target's main address", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 255 }), (id) => {
      const { hostLink, scanner, target } = labTopology(id);
      assert.equal(hostLink.subnet, `198.18.${id}.128/30`);
      assert.equal(hostLink.host.address, `198.18.${id}.129`);
      assert.equal(hostLink.target.address, `198.18.${id}.130`);
      assert.equal(hostLink.host.namespace, undefined, "the host's end is in the host namespace");
      assert.equal(hostLink.target.namespace, target.namespace);
      assert.equal(hostLink.route, `${target.address}/32`);
      for (const end of [hostLink.host, hostLink.target]) {
        assert.ok(end.iface.length <= 15, end.iface);
        assert.match(end.mac, /^02(:[0-9a-f]{2}){5}$/);
        assert.ok(![scanner.address, target.address].includes(end.address));
        assert.ok(![scanner.mac, target.mac].includes(end.mac));
        assert.deepEqual(labOfAddress(end.address)?.id, id);
      }
      assert.notEqual(hostLink.host.iface, hostLink.target.iface);
    }),
  );
});

test('every lab id gives interface names that fit IFNAMSIZ, unicast locally administered MACs, addresses in 198.18.N.0/24 and 2001:2:0:N::/64', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 255 }), (id) => {
      const topo = labTopology(id);
      assert.equal(topo.subnet, `198.18.${id}.0/24`);
      assert.equal(topo.subnet6, `${rfc5952(`2001:2:0:${id}::`)}/64`);
      const ends = labEnds(topo);
      assert.deepEqual(
        ends.map((e) => e.role),
        ['scanner', 'target', 'stateless', 'zombie'],
      );
      for (const [i, end] of ends.entries()) {
        assert.ok(end.iface.length <= 15);
        assert.ok(switchPort(topo, end).iface.length <= 15);
        assert.match(end.mac, /^02(:[0-9a-f]{2}){5}$/);
        // The same host number in both families: 198.18.N.H and 2001:2:0:N::H.
        assert.equal(end.address, `198.18.${id}.${i + 1}`);
        assert.equal(end.address6, rfc5952(`2001:2:0:${id}::${i + 1}`));
        assert.ok(isIPv6(end.address6));
      }
      assert.equal(topo.zombie.randomIpIdAddress, `198.18.${id}.5`);
      assert.equal(new Set(ends.map((e) => e.mac)).size, ends.length);
      assert.equal(new Set(ends.map((e) => switchPort(topo, e).iface)).size, ends.length);
    }),
  );
});

test('two lab ids never share a name, an address or a MAC', () => {
  const seen = new Set<string>();
  for (let id = 0; id <= 255; id++) {
    const topo = labTopology(id);
    const { hostLink } = topo;
    const link = [hostLink.host.iface, hostLink.host.address, hostLink.host.mac, hostLink.target.iface, hostLink.target.address, hostLink.target.mac];
    const ends = labEnds(topo).flatMap((e) => [e.namespace, e.iface, e.address, e.address6, e.mac]);
    for (const value of [topo.segment.namespace, topo.zombie.randomIpIdAddress, topo.subnet6, ...ends, ...link]) {
      assert.ok(!seen.has(value), value);
      seen.add(value);
    }
  }
});

test('an address of 198.18.N.0/24 or 2001:2:0:N::/64 (any spelling) belongs to lab N, any other address to no lab', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 255 }), (id) => {
      const topo = labTopology(id);
      for (const end of labEnds(topo)) {
        assert.deepEqual(labOfAddress(end.address), topo);
        assert.deepEqual(labOfAddress(end.address6), topo);
        assert.equal(labEndOf(topo, end.address), end);
        assert.equal(labEndOf(topo, end.address6.toUpperCase()), end);
      }
      assert.equal(labEndOf(topo, topo.zombie.randomIpIdAddress), topo.zombie);
    }),
  );
  assert.equal(labOfAddress('198.18.7.0')?.id, 7);
  assert.equal(labOfAddress('2001:0002:0000:0210:0000:0000:0000:0002')?.id, 210);
  assert.equal(labOfAddress('2001:2:0:7::ffff')?.id, 7);
  assert.equal(labEndOf(labTopology(210), '2001:2:0:210:0:0:0:3')?.role, 'stateless');
  assert.equal(labEndOf(labTopology(210), '198.18.210.6'), undefined);
  for (const other of [
    '198.19.0.2',
    '10.18.0.2',
    '198.18.256.2',
    '198.18.07.2',
    '198.18.0',
    '198.18.0.0/24',
    '',
    '2001:2:0:a::2',
    '2001:2:0:256::2',
    '2001:2:1:7::2',
    '2001:3:0:7::2',
    'fe80::2%pl7s',
    '::1',
  ])
    assert.equal(labOfAddress(other), undefined, other);
});

test("a lab's namespaces (switch, scanner, target, stateless host, zombie) belong to that lab, any other name to no lab", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 255 }), (id) => {
      const topo = labTopology(id);
      for (const ns of [topo.segment.namespace, ...labEnds(topo).map((e) => e.namespace)]) assert.deepEqual(labOfNamespace(ns), topo);
    }),
  );
  for (const other of [
    'portlab256-scanner',
    'portlab07-scanner',
    'portlab7-host',
    'portlab7-scanner2',
    'xportlab7-scanner',
    'portlab-scanner',
    'portlab7-bridge',
    '',
  ])
    assert.equal(labOfNamespace(other), undefined, other);
});

test('lab ids outside 0..255 are a UserError', () => {
  for (const bad of [-1, 256, 1.5, Number.NaN]) assert.throws(() => checkLabId(bad), UserError);
  for (const bad of ['', 'x', '-1', '256', '1e2', '0x10', '1.0']) assert.throws(() => parseLabId(bad), /lab id must be an integer from 0 to 255/);
  assert.equal(parseLabId('0'), 0);
  assert.equal(parseLabId('255'), 255);
  assert.throws(() => labTopology(999), UserError);
});

test('the ICMP rate limit accepts 0..60000 ms only', () => {
  for (const ok of [undefined, 0, 1000, 60000]) checkIcmpRatelimit(ok);
  for (const bad of [-1, 60001, 2.5, '-5', 'fast']) assert.throws(() => checkIcmpRatelimit(bad), UserError);
});

test("the topology's host link is what the protocol's lab description carries: the schema keeps it whole", () => {
  const { hostLink } = labTopology(7);
  assert.deepEqual(LabHostLink.parse(hostLink), hostLink);
  assert.deepEqual(LabDescription.parse({ ...plannedDescription(labTopology(7)) }).hostLink, hostLink);
});

test('a description saved before the switch, the new hosts and IPv6 still parses, and reads its truth as before', () => {
  // lab-7.description.json as `lab up` wrote it before: two hosts, listeners without addresses, no IPv6.
  const old = {
    id: 7,
    up: true,
    subnet: '198.18.7.0/24',
    hosts: [
      { role: 'scanner', namespace: 'portlab7-scanner', iface: 'pl7s', address: '198.18.7.1', prefixLength: 24, mac: '02:70:6c:07:00:01' },
      { role: 'target', namespace: 'portlab7-target', iface: 'pl7t', address: '198.18.7.2', prefixLength: 24, mac: '02:70:6c:07:00:02' },
    ],
    ports: [
      {
        port: 25,
        protocol: 'tcp',
        truth: 'filtered-drop',
        how: 'nftables in the target drops the probe without an answer: tcp dport 25 drop',
        rule: 'tcp dport 25 drop',
      },
    ],
    listeners: [{ protocol: 'tcp', port: 22, program: 'portlab lab listen', pid: 42 }],
    ruleset: 'table ip portlab {\n}\n',
    sysctls: { 'net.ipv4.icmp_ratelimit': '1000' },
  };
  const parsed = LabDescription.parse(old);
  assert.equal(parsed.segment, undefined);
  assert.equal(labTruthAt(parsed, '198.18.7.2', 25, 'tcp'), 'filtered-drop');
  assert.equal(labTruthAt(parsed, '198.18.7.2', 9, 'tcp'), 'closed');
  assert.equal(labTruthAt(parsed, '198.18.7.3', 80, 'tcp'), undefined);
});

test("the lab's truth is read by address: the target over IPv4 and IPv6, the stateless host's own ports, none for the zombie", () => {
  const topo = labTopology(7);
  const lab = LabDescription.parse(plannedDescription(topo));
  for (const address of [topo.target.address, topo.target.address6, topo.target.address6.replace('::', ':0:0:0:')]) {
    assert.equal(labTruthAt(lab, address, 110, 'tcp'), 'filtered-reject', address);
    assert.equal(labTruthAt(lab, address, 80, 'tcp'), 'open', address);
  }
  assert.equal(labTruthAt(lab, topo.stateless.address, 80, 'tcp'), 'filtered-syn');
  assert.equal(labTruthAt(lab, topo.stateless.address6, 25, 'tcp'), 'filtered-drop');
  assert.equal(labTruthAt(lab, topo.stateless.address, 110, 'tcp'), 'closed');
  assert.equal(labTruthAt(lab, topo.zombie.address, 80, 'tcp'), undefined);
  assert.equal(labHostOf(lab, topo.zombie.randomIpIdAddress)?.role, 'zombie');
  assert.equal(labHostOf(lab, '198.18.7.9'), undefined);
});
