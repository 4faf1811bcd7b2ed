// The helper's replies are parsed by the client with the same schemas (client.ts): each result schema
// must accept every well-formed reply and refuse one with a wrong value in any field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { REQUESTS, type RequestMethod } from '../../src/protocol';

const mac = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 6, maxLength: 6 }).map((b) => b.map((x) => x.toString(16).padStart(2, '0')).join(':'));
const prefixLength = fc.integer({ min: 0, max: 32 });
const labId = fc.integer({ min: 0, max: 255 });
const port = fc.integer({ min: 1, max: 65535 });
const protocol = fc.constantFrom('tcp', 'udp');

const labDescription = fc.record(
  {
    id: labId,
    up: fc.boolean(),
    subnet: fc.ipV4().map((a) => `${a}/24`),
    hosts: fc.array(
      fc.record({ role: fc.constantFrom('scanner', 'target'), namespace: fc.string(), iface: fc.string(), address: fc.ipV4(), prefixLength, mac }),
      { maxLength: 3 },
    ),
    ports: fc.array(
      fc.record(
        { port, protocol, truth: fc.constantFrom('open', 'closed', 'filtered-drop', 'filtered-reject'), how: fc.string(), rule: fc.string() },
        { requiredKeys: ['port', 'protocol', 'truth', 'how'] },
      ),
      { maxLength: 8 },
    ),
    listeners: fc.array(fc.record({ protocol, port, program: fc.string(), pid: fc.integer({ min: 1, max: 4_194_304 }) }), { maxLength: 4 }),
    ruleset: fc.string(),
    sysctls: fc.dictionary(fc.string(), fc.string(), { maxKeys: 4 }),
    problems: fc.array(fc.string(), { maxLength: 3 }),
  },
  { requiredKeys: ['id', 'up', 'subnet', 'hosts', 'ports', 'listeners', 'ruleset', 'sysctls'] },
);

/** A valid result for each request, and per field the values that must be refused. */
const RESULTS: { [M in RequestMethod]: { valid: fc.Arbitrary<unknown>; bad: Record<string, unknown[]> } } = {
  hello: {
    valid: fc.record(
      {
        protocolVersion: fc.integer(),
        helperVersion: fc.string(),
        pid: fc.integer({ min: 1 }),
        rawSockets: fc.boolean(),
        captureDir: fc.string(),
        netns: fc.string(),
      },
      { requiredKeys: ['protocolVersion', 'helperVersion', 'pid', 'rawSockets', 'captureDir'] },
    ),
    bad: { protocolVersion: [1.5, '1', undefined], pid: [2.5, '7', undefined], rawSockets: ['yes', 1, undefined], captureDir: [7, undefined], netns: [3] },
  },
  interfaces: {
    valid: fc.array(
      fc.record(
        {
          name: fc.string(),
          addresses: fc.array(fc.record({ address: fc.ipV4(), prefixLength }), { maxLength: 3 }),
          mac,
          up: fc.boolean(),
          linkType: fc.string(),
        },
        { requiredKeys: ['name', 'addresses', 'up', 'linkType'] },
      ),
      { minLength: 1, maxLength: 4 },
    ),
    bad: { name: [3, undefined], addresses: ['198.18.0.1', [{ address: '198.18.0.1', prefixLength: 2.5 }], undefined], up: ['up', undefined], mac: [0] },
  },
  discover: {
    valid: fc.array(
      fc.record(
        {
          address: fc.ipV4(),
          mac,
          rttMs: fc.double({ min: 0, max: 10_000, noNaN: true }),
          method: fc.constantFrom('arp', 'nd', 'icmp-echo', 'tcp-syn-443', 'tcp-ack-80', 'localhost'),
        },
        { requiredKeys: ['address', 'rttMs', 'method'] },
      ),
      { minLength: 1, maxLength: 4 },
    ),
    bad: { rttMs: [-1, '3', undefined], method: ['ping', undefined], address: [7, undefined] },
  },
  'scan.start': { valid: fc.record({ scanId: fc.string(), captureDir: fc.string() }), bad: { scanId: [1, undefined], captureDir: [null, undefined] } },
  'scan.cancel': { valid: fc.record({ cancelled: fc.boolean() }), bad: { cancelled: ['true', 0, undefined] } },
  'lab.up': {
    valid: labDescription,
    bad: {
      id: [-1, 256, 1.5],
      up: ['yes'],
      hosts: [[{ role: 'router' }]],
      ports: [[{ port: 0, protocol: 'tcp', truth: 'open', how: '' }]],
      sysctls: [{ a: 1 }],
    },
  },
  'lab.down': { valid: fc.record({ removed: fc.boolean() }), bad: { removed: ['no', undefined] } },
  'lab.status': { valid: labDescription, bad: { id: ['0'], ruleset: [undefined, 5], listeners: [[{ protocol: 'sctp', port: 1, program: 'x', pid: 1 }]] } },
};

/** Puts a bad value into the result, or into its first element when the result is an array. */
function spoil(result: unknown, field: string, value: unknown): unknown {
  if (Array.isArray(result)) return [{ ...(result[0] as object), [field]: value }, ...result.slice(1)];
  return { ...(result as object), [field]: value };
}

test('every request has result cases here', () => {
  assert.deepEqual(Object.keys(RESULTS).sort(), Object.keys(REQUESTS).sort());
});

for (const method of Object.keys(REQUESTS) as RequestMethod[]) {
  const schema = REQUESTS[method].result;
  const { valid, bad } = RESULTS[method];

  test(`${method} result: every well-formed reply is accepted`, () => {
    fc.assert(
      fc.property(valid, (r) => schema.safeParse(r).success),
      { numRuns: 300 },
    );
  });

  test(`${method} result: a wrong value in any one field is refused`, () => {
    const fields = Object.keys(bad);
    fc.assert(
      fc.property(valid, fc.constantFrom(...fields), fc.nat(), (r, field, pick) => {
        const values = bad[field]!;
        const value = values[pick % values.length];
        const target = Array.isArray(r) ? r[0] : r;
        if (value === undefined && !(field in (target as object))) return true; // an optional field left out is fine
        return !schema.safeParse(spoil(r, field, value)).success;
      }),
      { numRuns: 300 },
    );
    for (const notAReply of [null, 42, 'ok', true]) assert.equal(schema.safeParse(notAReply).success, false);
  });
}
