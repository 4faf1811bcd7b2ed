import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeCapture } from '../../src/analysis/analyze-capture';
import { rebuildIdleExchanges } from '../../src/analysis/idle-capture';
import { parseNmapXml } from '../../src/report/nmap';
import { readIdleExchange } from '../../src/analysis/idle-answer';
import { classifyWire } from '../../src/analysis/textbook';
import { ScanDocument, type ExchangePacket } from '../../src/protocol';
import { readCapture } from '../../src/wire/pcap';

// A real idle scan of lab 222 (README.md beside the files): PortLab's pcap and the results it wrote.
const DIR = join(import.meta.dirname, '..', 'fixtures', 'captures', 'idle');
const doc = ScanDocument.parse(JSON.parse(readFileSync(join(DIR, 'lab222-idle.results.json'), 'utf8')));
const capture = readCapture(readFileSync(join(DIR, 'lab222-idle.pcap')));
const TARGET = '198.18.222.2';
const ZOMBIE = '198.18.222.4';

/** What the wire shows of a packet: the fields both the engine and the capture know. */
const seen = (exchange: readonly ExchangePacket[]) =>
  exchange.filter((p) => !p.inferred).map((p) => ({ dir: p.dir, flags: p.flags, src: p.src, dst: p.dst, ipId: p.ipId, frame: p.frame, group: p.group }));

test('every port’s exchange rebuilt from the pcap alone is the one the scan recorded, its inferred packets aside', () => {
  const rebuilt = rebuildIdleExchanges(
    capture,
    doc.results.map((r) => r.target),
    doc.results.map((r) => r.port),
  );
  assert.equal(rebuilt.exchanges.size, doc.results.length);
  for (const r of doc.results) assert.deepEqual(seen(rebuilt.exchanges.get(`${TARGET}:${r.port}`) ?? []), seen(r.exchange), `port ${r.port}`);
});

test('the report’s reading of each captured exchange gives the scan’s state and reason: +2 open, +1 closed|filtered', () => {
  const rebuilt = rebuildIdleExchanges(
    capture,
    doc.results.map((r) => r.target),
    doc.results.map((r) => r.port),
  );
  for (const r of doc.results) {
    const exchange = rebuilt.exchanges.get(`${TARGET}:${r.port}`)!;
    const wire = classifyWire('idle', TARGET, exchange);
    assert.deepEqual([wire?.state, wire?.reason], [r.state, r.reason], `port ${r.port}`);
    const reading = readIdleExchange(exchange, TARGET)!;
    assert.equal((reading.after - reading.before) & 0xffff, reading.probes + (r.state === 'open' ? 1 : 0), `port ${r.port}: the IP IDs`);
    assert.equal(wire?.answer?.src, ZOMBIE, `port ${r.port}: decided by a zombie RST`);
  }
  assert.deepEqual(
    doc.results.filter((r) => r.state === 'open').map((r) => r.port),
    [22, 53, 80],
  );
});

test('a capture without the zombie’s reading after the SYN decides nothing', () => {
  const r = doc.results.find((x) => x.port === 22)!;
  const cut = r.exchange.slice(0, r.exchange.findIndex((p) => p.dst === TARGET) + 1);
  assert.equal(classifyWire('idle', TARGET, cut), undefined);
});

test('portlab analyze finds nmap’s own idle scan in its capture and reads every port as nmap did', () => {
  const analysis = analyzeCapture(readFileSync(join(DIR, 'nmap-sI.pcap')));
  const nmap = parseNmapXml(readFileSync(join(DIR, 'nmap-sI.xml'), 'utf8'))!;
  const idle = analysis.exchanges.filter((e) => e.technique === 'idle');
  assert.equal(idle.length, nmap.ports.size);
  for (const e of idle) {
    assert.equal(e.scanner, '198.18.222.1');
    assert.deepEqual(
      [e.wire?.state, e.wire?.reason],
      [nmap.ports.get(`${e.target}:${e.port}`)?.state, nmap.ports.get(`${e.target}:${e.port}`)?.reason],
      `port ${e.port}`,
    );
    assert.ok(e.matchesTextbook, `port ${e.port}`);
  }
  // the zombie's RSTs and the SYNs in its name belong to the idle exchanges, not to exchanges of their own
  assert.equal(analysis.exchanges.length, idle.length);
});
