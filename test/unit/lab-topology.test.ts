import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { UserError } from '../../src/base/errors';
import { checkLabId, labOfAddress, labTopology, parseLabId } from '../../src/lab';
import { checkIcmpRatelimit } from '../../src/lab';
import { labOfNamespace } from '../../src/lab/topology';
import { LabDescription, LabHostLink } from '../../src/protocol';
import { plannedDescription } from '../../src/lab/describe';

test('lab 0 is the one the design describes', () => {
  assert.deepEqual(labTopology(0), {
    id: 0,
    subnet: '198.18.0.0/24',
    scanner: { role: 'scanner', namespace: 'portlab0-scanner', iface: 'pl0s', address: '198.18.0.1', mac: '02:70:6c:00:00:01' },
    target: { role: 'target', namespace: 'portlab0-target', iface: 'pl0t', address: '198.18.0.2', mac: '02:70:6c:00:00:02' },
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

test('every lab id gives interface names that fit IFNAMSIZ, unicast locally administered MACs, addresses in 198.18.0.0/16', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 255 }), (id) => {
      const { scanner, target, subnet } = labTopology(id);
      assert.equal(subnet, `198.18.${id}.0/24`);
      for (const end of [scanner, target]) {
        assert.ok(end.iface.length <= 15);
        assert.match(end.mac, /^02(:[0-9a-f]{2}){5}$/);
        assert.ok(end.address.startsWith(`198.18.${id}.`));
      }
      assert.notEqual(scanner.mac, target.mac);
    }),
  );
});

test('two lab ids never share a name, an address or a MAC', () => {
  const seen = new Set<string>();
  for (let id = 0; id <= 255; id++) {
    const { scanner, target, hostLink } = labTopology(id);
    const link = [hostLink.host.iface, hostLink.host.address, hostLink.host.mac, hostLink.target.iface, hostLink.target.address, hostLink.target.mac];
    for (const value of [scanner.namespace, scanner.iface, scanner.address, scanner.mac, target.namespace, target.iface, target.address, target.mac, ...link]) {
      assert.ok(!seen.has(value), value);
      seen.add(value);
    }
  }
});

test('an address of 198.18.N.0/24 belongs to lab N, any other address to no lab', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 255 }), (id) => {
      const topo = labTopology(id);
      for (const end of [topo.scanner, topo.target]) assert.deepEqual(labOfAddress(end.address), topo);
    }),
  );
  assert.equal(labOfAddress('198.18.7.0')?.id, 7);
  for (const other of ['198.19.0.2', '10.18.0.2', '198.18.256.2', '198.18.07.2', '198.18.0', '198.18.0.0/24', ''])
    assert.equal(labOfAddress(other), undefined, other);
});

test("a lab's scanner and target namespaces belong to that lab, any other name to no lab", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 255 }), (id) => {
      const topo = labTopology(id);
      for (const end of [topo.scanner, topo.target]) assert.deepEqual(labOfNamespace(end.namespace), topo);
    }),
  );
  for (const other of ['portlab256-scanner', 'portlab07-scanner', 'portlab7-host', 'portlab7-scanner2', 'xportlab7-scanner', 'portlab-scanner', ''])
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
