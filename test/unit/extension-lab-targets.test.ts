import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LabDescription } from '../../src/protocol';
import { labRoleOf, labTreeTargets } from '../../src/extension/lab-targets';

// The description `lab up` saved for lab 240 (IPv6, the stateless host and the zombie).
const LAB = LabDescription.parse(JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'captures', 'ipv6', 'report-out', 'lab.json'), 'utf8')));

test("the tree lists a lab's target, the target's IPv6 address and the stateless host, the IPv4 target first", () => {
  assert.deepEqual(labTreeTargets(LAB), ['198.18.240.2', '2001:2:0:240::2', '198.18.240.3']);
});

test('a description from before IPv6 and the new hosts lists the target alone', () => {
  const old: LabDescription = {
    ...LAB,
    hosts: LAB.hosts.filter((h) => h.role === 'scanner' || h.role === 'target').map(({ address6: _a, prefixLength6: _p, ...h }) => h),
  };
  assert.deepEqual(labTreeTargets(old), ['198.18.240.2']);
});

test("a lab address's role, whatever its spelling; no role for an address of no lab", () => {
  assert.deepEqual(labRoleOf('198.18.240.3'), { id: 240, role: 'stateless' });
  assert.deepEqual(labRoleOf('2001:2:0:240:0:0:0:3'), { id: 240, role: 'stateless' });
  assert.deepEqual(labRoleOf('2001:2:0:240::2'), { id: 240, role: 'target' });
  // the zombie's second address, whose IP IDs are random
  assert.deepEqual(labRoleOf('198.18.240.5'), { id: 240, role: 'zombie' });
  assert.equal(labRoleOf('198.18.240.9'), undefined);
  assert.equal(labRoleOf('192.0.2.3'), undefined);
  assert.equal(labRoleOf('2001:db8::3'), undefined);
});
