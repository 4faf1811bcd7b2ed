import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encodeEthernet, ETHERTYPE_IPV4 } from '../../src/wire';
import { RAW_TECHNIQUES } from '../../src/technique';
import { writeScanJson } from '../../src/output/scan-json';
import { resultTexts } from '../../src/output/result-source';
import type { PortResult, ScanDocument, ScanHead } from '../../src/protocol';

const SRC_MAC = '02:00:00:00:00:01';
const DST_MAC = '02:00:00:00:00:02';

test("each TCP technique's probe template sends the same bytes as its buildProbe, for any port, sequence number and source port", () => {
  for (const technique of Object.values(RAW_TECHNIQUES)) {
    if (technique.protocol !== 'tcp') continue;
    const template = technique.probeTemplate!({ srcIp: '198.18.3.1', dstIp: '198.18.3.2', srcPort: 40000, srcMac: SRC_MAC, dstMac: DST_MAC });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 1, max: 65535 }), (dstPort, seq, srcPort) => {
        const expected = encodeEthernet(
          DST_MAC,
          SRC_MAC,
          ETHERTYPE_IPV4,
          technique.buildProbe({ srcIp: '198.18.3.1', dstIp: '198.18.3.2', srcPort, dstPort, seq }),
        );
        assert.deepEqual(template.fill(dstPort, seq, srcPort), expected, technique.name);
      }),
      { numRuns: 300 },
    );
  }
});

const result = (port: number, exchange: PortResult['exchange']): PortResult => ({
  technique: 'syn',
  target: '198.18.3.2',
  port,
  protocol: 'tcp',
  state: 'closed',
  reason: 'reset',
  exchange,
});
const head: ScanHead = {
  tool: 'portlab test',
  startedAt: '2026-01-01T00:00:00.000Z',
  command: ['portlab', 'scan', '--json', 'a "quoted" \\ arg'],
  summary: { scanId: 'x', partial: false, techniques: [] },
};

test('the streamed scan document is byte for byte JSON.stringify of the whole document, compact and pretty', async () => {
  const cases: PortResult[][] = [
    [],
    [result(1, [])],
    [result(1, [{ dir: 'out', t: 0.5, kind: 'tcp', src: '198.18.3.1', len: 44, flags: 'S', retry: 0 }]), { ...result(2, []), reasonTtl: 64 }],
    Array.from({ length: 3000 }, (_, i) => result(i, [{ dir: 'in', t: i, kind: 'tcp', src: '198.18.3.2', len: 40, flags: 'RA', frame: i + 1 }])),
  ];
  for (const results of cases) {
    for (const pretty of [false, true]) {
      let out = '';
      let chunks = 0;
      // Every other piece is written late, as a pipe under backpressure does.
      await writeScanJson(
        (c) => (chunks++ % 2 ? new Promise<void>((r) => setImmediate(() => ((out += c), r()))) : void (out += c)),
        head,
        resultTexts(results, pretty),
        pretty,
      );
      const doc: ScanDocument = { ...head, results };
      assert.equal(out, pretty ? JSON.stringify(doc, null, 2) : JSON.stringify(doc));
      if (results.length === 3000) assert.ok(chunks > 2, 'written in pieces');
    }
  }
});
