import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parsePorts, portCount } from '../../src/engine/ports';

/** Unqualified lists give TCP and UDP the same ports; these tests read the TCP side. */
const tcpPorts = (spec: string) => parsePorts(spec).tcp;
import { UserError } from '../../src/base/errors';

test('single ports, ranges and lists parse in the order given', () => {
  assert.deepEqual(tcpPorts('22'), [22]);
  assert.deepEqual(tcpPorts('22-25'), [22, 23, 24, 25]);
  assert.deepEqual(tcpPorts('7,53-55'), [7, 53, 54, 55]);
  assert.deepEqual(tcpPorts('80,22'), [80, 22]);
});

test('"-" means every port 1-65535; open-ended ranges run to the edge', () => {
  const all = tcpPorts('-');
  assert.equal(all.length, 65535);
  assert.equal(all[0], 1);
  assert.equal(all[65534], 65535);
  assert.deepEqual(tcpPorts('65533-'), [65533, 65534, 65535]);
  assert.deepEqual(tcpPorts('-3'), [1, 2, 3]);
});

test('duplicates are dropped', () => {
  assert.deepEqual(tcpPorts('22,20-23,22'), [22, 20, 21, 23]);
});

test('bad port lists are UserErrors that quote the input', () => {
  for (const bad of ['', 'abc', '0', '65536', '22,', ',22', '30-20', '22-x', '1.5', '22--23', '-1-']) {
    assert.throws(
      () => parsePorts(bad),
      (e: unknown) => e instanceof UserError && e.message.includes(`"${bad}"`),
      bad,
    );
  }
});

test('any list of valid ports round-trips through its text form', () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 65535 }), { minLength: 1, maxLength: 50 }), (ports) => {
      assert.deepEqual(tcpPorts(ports.join(',')), ports);
    }),
  );
});

test('T: and U: make the items after them TCP-only or UDP-only, as in nmap', () => {
  assert.deepEqual(parsePorts('T:22,80,U:53,161'), { tcp: [22, 80], udp: [53, 161] });
  assert.deepEqual(parsePorts('7,T:22-23,U:53'), { tcp: [7, 22, 23], udp: [7, 53] });
  assert.deepEqual(parsePorts('u:53,t:80'), { tcp: [80], udp: [53] });
  assert.equal(portCount(parsePorts('T:22,80,U:53'), ['syn', 'udp', 'connect']), 5);
});

test('an unknown or empty protocol qualifier is a UserError', () => {
  for (const bad of ['S:22', 'T:', 'T:22,U:', 'X:1-2']) {
    assert.throws(
      () => parsePorts(bad),
      (e: unknown) => e instanceof UserError && e.message.includes(`"${bad}"`),
      bad,
    );
  }
});
