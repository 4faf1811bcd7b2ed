// The capture analysis over IPv6, on real captures of `nmap -6` against the lab (test/fixtures/captures/ipv6/README.md):
// exchanges rebuilt from IPv6 packets, ICMPv6 errors joined to the probe they quote and read by the technique
// table as nmap reads them, the scanner kernel's ICMPv6 port-unreachable singled out, and the words that say so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeCapture, type CaptureAnalysis } from '../../src/analysis/analyze-capture';
import type { AnalyzedExchange } from '../../src/analysis/exchange-analysis';
import { formatExchange, type Technique } from '../../src/protocol';
import { parseNmapXml } from '../../src/report/nmap';
import { captureAnalysisDocument, renderCaptureAnalysis } from '../../src/report/analysis-text';

const DIR = join(import.meta.dirname, '../fixtures/captures/ipv6');
const TARGET = '2001:2:0:240::2';
const analyze = (file: string) => analyzeCapture(readFileSync(join(DIR, file)));
const nmapOf = (flag: string) => parseNmapXml(readFileSync(join(DIR, `nmap6-s${flag}.xml`), 'utf8'))!;

function exchanges(analysis: CaptureAnalysis, port: number): AnalyzedExchange[] {
  return analysis.exchanges.filter((e) => e.port === port);
}

const RUNS: [flag: string, technique: Technique][] = [
  ['S', 'syn'],
  ['T', 'connect'],
  ['U', 'udp'],
];

for (const [flag, technique] of RUNS) {
  test(`nmap -6 -s${flag}: every port of the capture is a ${technique} exchange with the IPv6 target, in nmap's state`, () => {
    const analysis = analyze(`nmap6-s${flag}.pcap`);
    const nmap = nmapOf(flag);
    assert.deepEqual(nmap.hosts, [TARGET], 'nmap -oX names the host by its IPv6 address');
    assert.deepEqual(
      [...new Set(analysis.exchanges.map((e) => e.port))].sort((a, b) => a - b),
      [...nmap.scannedPorts].sort((a, b) => a - b),
    );
    for (const e of analysis.exchanges) {
      const answer = nmap.ports.get(`${TARGET}:${e.port}`);
      assert.deepEqual([e.technique, e.scanner, e.target], [technique, '2001:2:0:240::1', TARGET], `port ${e.port}`);
      assert.equal(e.wire?.state, answer?.state, `port ${e.port}`);
      assert.ok(e.matchesTextbook, `port ${e.port}: ${e.deviations.map((d) => d.kind).join(', ')}`);
    }
  });
}

test("ICMPv6 admin-prohibited and port-unreachable are read with nmap's reasons", () => {
  const syn = exchanges(analyze('nmap6-sS.pcap'), 110)[0]!;
  assert.equal(formatExchange(syn.packets), 'S → ICMPv6 1/1');
  assert.deepEqual([syn.wire?.state, syn.wire?.reason], ['filtered', 'admin-prohibited']);
  assert.deepEqual(nmapOf('S').ports.get(`${TARGET}:110`), { state: 'filtered', reason: 'admin-prohibited' });
  const udp = analyze('nmap6-sU.pcap');
  const closed = exchanges(udp, 69)[0]!;
  assert.equal(formatExchange(closed.packets), 'UDP → ICMPv6 1/4 → UDP → ICMPv6 1/4');
  assert.deepEqual([closed.wire?.state, closed.wire?.reason], ['closed', 'port-unreach']);
  assert.deepEqual([exchanges(udp, 514)[0]!.wire?.state, exchanges(udp, 514)[0]!.wire?.reason], ['filtered', 'admin-prohibited']);
  for (const port of [69, 514])
    assert.deepEqual(nmapOf('U').ports.get(`${TARGET}:${port}`), {
      state: exchanges(udp, port)[0]!.wire?.state,
      reason: exchanges(udp, port)[0]!.wire?.reason,
    });
});

test("a connect() scan's ICMPv6 1/1 reads as the EACCES Linux fails the socket with; nmap, timing out first, says no-response", () => {
  const tries = exchanges(analyze('nmap6-sT.pcap'), 110);
  // nmap gave up on the first connect() a second later and opened a second one: two exchanges, each answered.
  assert.equal(tries.length, 2);
  for (const e of tries) assert.deepEqual([e.wire?.state, e.wire?.reason, formatExchange(e.packets)], ['filtered', 'admin-prohibited', 'S → ICMPv6 1/1']);
  assert.deepEqual(nmapOf('T').ports.get(`${TARGET}:110`), { state: 'filtered', reason: 'no-response' });
});

test("the scanner kernel's ICMPv6 port-unreachable after a UDP answer is the kernel's, the SYN scan's RST too", () => {
  const echo = exchanges(analyze('nmap6-sU.pcap'), 7)[0]!;
  assert.equal(formatExchange(echo.packets), 'UDP → UDP → ICMPv6 1/4(kernel)');
  assert.equal(echo.verdict, 'kernel-port-unreachable');
  assert.equal(formatExchange(exchanges(analyze('nmap6-sS.pcap'), 22)[0]!.packets), 'S → SA → R(kernel)');
  // lengths are IPv6's: the 40-byte header and the payload (a SYN with MSS: 24 bytes of TCP)
  assert.equal(exchanges(analyze('nmap6-sS.pcap'), 22)[0]!.packets[0]!.len, 64);
});

test('neighbour discovery belongs to no exchange; the ICMPv6 errors count for the rate limit', () => {
  const syn = analyze('nmap6-sS.pcap');
  assert.equal(syn.unattributed, 4, 'two solicitations and two advertisements');
  assert.deepEqual(
    syn.icmpErrors.map((e) => [e.from, e.to]),
    [[TARGET, '2001:2:0:240::1']],
  );
  // the target's two errors and the scanner kernel's four
  assert.equal(analyze('nmap6-sU.pcap').icmpErrors.length, 6);
});

for (const lang of ['en', 'zh-CN'] as const) {
  test(`portlab analyze words an IPv6 capture's ICMPv6 answers and textbook as ICMPv6 (${lang})`, () => {
    const doc = captureAnalysisDocument('nmap6-sU.pcap', analyze('nmap6-sU.pcap'), lang);
    const closed = doc.exchanges.find((e) => e.port === 69)!;
    assert.equal(closed.observed, 'UDP → ICMPv6 1/4 → UDP → ICMPv6 1/4');
    assert.equal(closed.textbook.expected, lang === 'en' ? 'datagram → ICMPv6 1/4' : '数据报 → ICMPv6 1/4');
    const icmpAnswer = closed.textbook.deviations.find((d) => d.kind === 'icmp-answer')!;
    assert.equal(icmpAnswer.facts.ipVersion, 6);
    assert.ok(icmpAnswer.text.includes('ICMPv6 1/4'), icmpAnswer.text);
    assert.ok(!icmpAnswer.text.includes('ICMP 1/4'), icmpAnswer.text);
    const text = renderCaptureAnalysis(doc, lang);
    assert.ok(text.includes(TARGET), 'the IPv6 target is named');
    assert.ok(!/ICMP 3\//.test(text), 'no IPv4 ICMP notation for an IPv6 capture');
  });
}
