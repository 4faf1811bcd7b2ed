import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ROLE_METHODS } from '../../src/helper/roles';
import { REQUESTS, type RequestMethod } from '../../src/protocol';

test('every request is served by a role; only hello and interfaces by both', () => {
  const roles = (method: RequestMethod) => Object.entries(ROLE_METHODS).flatMap(([role, r]) => (r.methods.includes(method) ? [role] : []));
  assert.deepEqual(Object.fromEntries((Object.keys(REQUESTS) as RequestMethod[]).map((m) => [m, roles(m)])), {
    hello: ['scan', 'lab'],
    interfaces: ['scan', 'lab'],
    discover: ['scan'],
    'scan.start': ['scan'],
    'scan.cancel': ['scan'],
    'lab.up': ['lab'],
    'lab.down': ['lab'],
    'lab.status': ['lab'],
  });
});
