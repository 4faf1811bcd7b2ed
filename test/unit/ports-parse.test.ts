import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parsePorts } from '../../src/engine/ports';
import { UserError } from '../../src/engine/errors';

test('single ports, ranges and lists parse in the order given', () => {
  assert.deepEqual(parsePorts('22'), [22]);
  assert.deepEqual(parsePorts('22-25'), [22, 23, 24, 25]);
  assert.deepEqual(parsePorts('7,53-55'), [7, 53, 54, 55]);
  assert.deepEqual(parsePorts('80,22'), [80, 22]);
});

test('"-" means every port 1-65535; open-ended ranges run to the edge', () => {
  const all = parsePorts('-');
  assert.equal(all.length, 65535);
  assert.equal(all[0], 1);
  assert.equal(all[65534], 65535);
  assert.deepEqual(parsePorts('65533-'), [65533, 65534, 65535]);
  assert.deepEqual(parsePorts('-3'), [1, 2, 3]);
});

test('duplicates are dropped', () => {
  assert.deepEqual(parsePorts('22,20-23,22'), [22, 20, 21, 23]);
});

test('bad port lists are UserErrors that quote the input', () => {
  for (const bad of ['', 'abc', '0', '65536', '22,', ',22', '30-20', '22-x', '1.5', '22--23', '-1-']) {
    assert.throws(() => parsePorts(bad), (e: unknown) => e instanceof UserError && e.message.includes(`"${bad}"`), bad);
  }
});

test('any list of valid ports round-trips through its text form', () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 65535 }), { minLength: 1, maxLength: 50 }), (ports) => {
      assert.deepEqual(parsePorts(ports.join(',')), ports);
    }),
  );
});
