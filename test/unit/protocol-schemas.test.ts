import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EVENTS, PORT_STATES, REASONS, REQUESTS, TECHNIQUES, type RequestMethod } from '../../src/protocol';

const ifaceName = fc.stringMatching(/^[a-z][a-z0-9_.-]{0,14}$/).filter((s) => s !== '.' && s !== '..');
const shortString = (max: number) => fc.string({ minLength: 1, maxLength: max });
const labId = fc.integer({ min: 0, max: 255 });

/** A valid params object for each request, and per field the values that must be refused. */
const PARAMS: { [M in RequestMethod]: { valid: fc.Arbitrary<Record<string, unknown>>; bad: Record<string, unknown[]> } } = {
  hello: {
    valid: fc.record({ protocolVersion: fc.integer(), client: fc.string({ maxLength: 200 }) }),
    bad: { protocolVersion: [1.5, '1', null, undefined], client: ['x'.repeat(201), 7, undefined] },
  },
  interfaces: { valid: fc.constant({}), bad: {} },
  discover: {
    valid: fc.record(
      { targets: shortString(100), allowTargets: fc.array(fc.string({ maxLength: 50 }), { maxLength: 16 }), iface: ifaceName },
      { requiredKeys: ['targets'] },
    ),
    bad: {
      targets: ['', 'x'.repeat(101), 5, undefined],
      allowTargets: ['10.0.0.0/8', Array(17).fill('a'), ['x'.repeat(51)]],
      iface: ['..', '.', 'a/b', 'eth 0', 'x'.repeat(16), ''],
    },
  },
  'scan.start': {
    valid: fc.record(
      {
        targets: fc.array(shortString(255), { minLength: 1, maxLength: 256 }),
        ports: shortString(2000),
        techniques: fc.array(fc.constantFrom(...TECHNIQUES), { minLength: 1, maxLength: 6 }),
        rate: fc.double({ min: 0.001, max: 10_000_000, noNaN: true }),
        maxRetries: fc.integer({ min: 0, max: 50 }),
        iface: ifaceName,
        allowTargets: fc.array(fc.string({ maxLength: 50 }), { maxLength: 16 }),
      },
      { requiredKeys: ['targets', 'ports', 'techniques'] },
    ),
    bad: {
      targets: [[], '198.18.0.2', [''], ['x'.repeat(256)], Array(257).fill('198.18.0.2'), undefined],
      ports: ['', 80, 'x'.repeat(2001), undefined],
      techniques: [[], ['ftp-bounce'], 'syn', Array(TECHNIQUES.length + 1).fill('syn'), undefined],
      rate: [0, -1, 10_000_001, '100', Number.NaN, Infinity],
      maxRetries: [-1, 51, 1.5, '3'],
      iface: ['../../etc', '..', 'a b'],
    },
  },
  'scan.cancel': { valid: fc.record({ scanId: shortString(100) }), bad: { scanId: ['', 'x'.repeat(101), 3, undefined] } },
  'lab.up': { valid: fc.record({ id: labId }, { requiredKeys: [] }), bad: { id: [-1, 256, 1.5, '3', null] } },
  'lab.down': { valid: fc.record({ id: labId }, { requiredKeys: [] }), bad: { id: [-1, 256, 1.5, '3', null] } },
  'lab.status': { valid: fc.record({ id: labId }, { requiredKeys: [] }), bad: { id: [-1, 256, 1.5, '3', null] } },
};

for (const method of Object.keys(REQUESTS) as RequestMethod[]) {
  const schema = REQUESTS[method].params;
  const { valid, bad } = PARAMS[method];

  test(`${method}: every valid params object is accepted`, () => {
    fc.assert(
      fc.property(valid, (p) => schema.safeParse(p).success),
      { numRuns: 300 },
    );
  });

  test(`${method}: a wrong value in any one field, or an unknown field, is refused`, () => {
    const fields = Object.keys(bad);
    if (fields.length > 0)
      fc.assert(
        fc.property(valid, fc.constantFrom(...fields), fc.nat(), (p, field, pick) => {
          const values = bad[field]!;
          const broken = { ...p, [field]: values[pick % values.length] };
          if (broken[field] === undefined && !(field in p)) return true; // leaving out an optional field is fine
          return !schema.safeParse(broken).success;
        }),
        { numRuns: 300 },
      );
    fc.assert(
      fc.property(valid, fc.string({ minLength: 1, maxLength: 20 }), fc.jsonValue(), (p, key, value) => {
        if (key in p || key === '__proto__') return true;
        return !schema.safeParse({ ...p, [key]: value }).success;
      }),
      { numRuns: 200 },
    );
    for (const notAnObject of [null, 42, 'scan', [], true]) assert.equal(schema.safeParse(notAnObject).success, false);
  });
}

const exchangePacket = fc.record(
  {
    dir: fc.constantFrom('out', 'in'),
    t: fc.double({ min: 0, max: 1e6, noNaN: true }),
    kind: fc.constantFrom('tcp', 'udp', 'icmp'),
    flags: fc.constantFrom('S', 'SA', 'RA', ''),
    src: fc.ipV4(),
    len: fc.nat(65535),
    retry: fc.nat(10),
    kernel: fc.boolean(),
    frame: fc.integer({ min: 1, max: 1e6 }),
  },
  { requiredKeys: ['dir', 't', 'kind', 'src', 'len'] },
);
const portResult = fc.record(
  {
    technique: fc.constantFrom(...TECHNIQUES),
    target: fc.ipV4(),
    port: fc.integer({ min: 0, max: 65535 }),
    protocol: fc.constantFrom('tcp', 'udp'),
    state: fc.constantFrom(...PORT_STATES),
    reason: fc.constantFrom(...REASONS),
    reasonTtl: fc.integer({ min: 0, max: 255 }),
    service: fc.string(),
    exchange: fc.array(exchangePacket, { maxLength: 5 }),
  },
  { requiredKeys: ['technique', 'target', 'port', 'protocol', 'state', 'reason', 'exchange'] },
);
const counts = fc.record(Object.fromEntries(PORT_STATES.map((s) => [s, fc.nat()])) as Record<(typeof PORT_STATES)[number], fc.Arbitrary<number>>);

const EVENT_CASES = {
  'scan.progress': {
    valid: fc.record({
      scanId: fc.string(),
      technique: fc.constantFrom(...TECHNIQUES),
      target: fc.ipV4(),
      sent: fc.nat(),
      answered: fc.nat(),
      done: fc.nat(),
      total: fc.nat(),
      rate: fc.double({ min: 0, max: 1e7, noNaN: true }),
    }),
    bad: { sent: [-1, 1.5], technique: ['ftp-bounce'], rate: [-1], total: ['3'] },
  },
  'scan.ports': {
    valid: fc.record({ scanId: fc.string(), results: fc.array(portResult, { maxLength: 4 }) }),
    bad: { results: [[{}], null, {}], scanId: [3] },
  },
  'scan.done': {
    valid: fc.record(
      {
        scanId: fc.string(),
        partial: fc.boolean(),
        error: fc.string(),
        techniques: fc.array(
          fc.record({
            technique: fc.constantFrom(...TECHNIQUES),
            target: fc.ipV4(),
            startedAt: fc.constant('2026-11-25T20:00:00.000Z'),
            durationMs: fc.nat(),
            packetsSent: fc.nat(),
            packetsReceived: fc.nat(),
            counts,
          }),
          { maxLength: 6 },
        ),
      },
      { requiredKeys: ['scanId', 'partial', 'techniques'] },
    ),
    bad: { partial: ['yes', undefined], techniques: [[{ technique: 'syn' }], undefined] },
  },
} as const;

for (const [event, { valid, bad }] of Object.entries(EVENT_CASES)) {
  const schema = EVENTS[event as keyof typeof EVENTS];
  test(`event ${event}: valid payloads are accepted and a wrong field is refused`, () => {
    fc.assert(
      fc.property(valid, (e) => schema.safeParse(e).success),
      { numRuns: 200 },
    );
    const fields = Object.keys(bad);
    fc.assert(
      fc.property(valid as fc.Arbitrary<Record<string, unknown>>, fc.constantFrom(...fields), fc.nat(), (e, field, pick) => {
        const values = (bad as Record<string, readonly unknown[]>)[field]!;
        return !schema.safeParse({ ...e, [field]: values[pick % values.length] }).success;
      }),
      { numRuns: 200 },
    );
  });
}

test('port results refuse out-of-range ports, TTLs and unknown states or reasons', () => {
  const ok = { technique: 'syn', target: '198.18.0.2', port: 22, protocol: 'tcp', state: 'open', reason: 'syn-ack', exchange: [] };
  const schema = EVENTS['scan.ports'];
  assert.ok(schema.safeParse({ scanId: 's', results: [ok] }).success);
  for (const bad of [{ port: 65536 }, { port: -1 }, { reasonTtl: 256 }, { state: 'up' }, { reason: 'echo-reply' }, { protocol: 'sctp' }])
    assert.equal(schema.safeParse({ scanId: 's', results: [ok, { ...ok, ...bad }] }).success, false, JSON.stringify(bad));
});
