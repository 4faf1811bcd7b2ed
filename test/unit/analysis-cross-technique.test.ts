// Where two techniques disagree about one port, and what explains it, from real captures
// (test/fixtures/captures/analysis/README.md): a stateful firewall, a SYN-only drop, a reject rule, the
// ICMP rate limit; several captures analysed together cite each one's frames.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeCapture } from '../../src/analysis/analyze-capture';
import { crossTechniqueFindings, type CrossFinding } from '../../src/analysis/cross-technique';
import { ICMP_BURST, icmpTokensAt } from '../../src/analysis/icmp-rate-limit';

const DIR = join(import.meta.dirname, '../fixtures/captures/analysis');
const analyze = (file: string) => analyzeCapture(readFileSync(join(DIR, file)));

const summary = (f: CrossFinding) => [f.port, f.kind, ...f.sides.map((s) => `${s.technique} ${s.state} ${s.reason} ${s.frames.map((r) => r.frame).join(',')}`)];

test('nmap -sS then -sF through a stateful firewall: each disagreement explained', () => {
  const { crossTechnique } = analyze('stateful-syn-fin.pcapng');
  assert.deepEqual(crossTechnique.map(summary), [
    [23, 'stateful-firewall', 'syn closed reset 7,8', 'fin open|filtered no-response 18,21'],
    [3306, 'reject-rule', 'syn filtered admin-prohibited 5,6', 'fin open|filtered no-response 17,22'],
    [8081, 'syn-only-filter', 'syn filtered no-response 12,13', 'fin closed reset 19,20'],
  ]);
  // Port 80: SYN open and FIN silent is what the textbook says of an open port.
  assert.ok(!crossTechnique.some((f) => f.port === 80));
});

test('the ICMP rate limit: six errors at once, then none for the FIN probes a moment later', () => {
  const { crossTechnique } = analyze('ratelimit-syn-fin.pcap');
  assert.deepEqual(
    crossTechnique.map((f) => [f.port, f.kind]),
    [9004, 9007, 9008, 9009, 9010, 9011].map((port) => [port, 'rate-limit']),
  );
  for (const f of crossTechnique) {
    assert.deepEqual(
      f.recentIcmpErrors?.map((r) => r.frame),
      [4, 6, 8, 10, 12, 14],
    );
    assert.deepEqual(
      f.sides.map((s) => s.answer),
      ['icmp', 'none'],
    );
  }
  // Where SYN got no ICMP either (its burst was spent), both are silent: no disagreement.
  assert.ok(!crossTechnique.some((f) => f.port === 9001));
});

test('the replayed token bucket: six errors in a burst empty it, a second gives one back', () => {
  const burst = Array.from({ length: ICMP_BURST }, (_, i) => ({ from: 't', to: 's', tMicros: 1000 + i, frame: i + 1 }));
  assert.equal(icmpTokensAt(burst, 't', 's', 0), ICMP_BURST);
  assert.ok(icmpTokensAt(burst, 't', 's', 2000) < 1);
  assert.ok(icmpTokensAt(burst, 't', 's', 1_002_000) >= 1);
  assert.equal(icmpTokensAt(burst, 't', 'other', 2000), ICMP_BURST);
});

test("nmap's five TCP scans of the lab agree about every port: no finding across the captures", () => {
  const analyses = ['nmap-sT.pcap', 'nmap-sS.pcapng', 'nmap-sX.pcap', 'nmap-sF.pcap', 'nmap-sN.pcap'].map(analyze);
  assert.deepEqual(crossTechniqueFindings(analyses), []);
});

test('across captures, each side cites frames of its own capture', () => {
  // The SYN exchanges of one capture and the FIN exchanges of another: the same findings, frames by source.
  const stateful = analyze('stateful-syn-fin.pcapng');
  const syn = { ...stateful, exchanges: stateful.exchanges.filter((e) => e.technique === 'syn') };
  const fin = { ...stateful, exchanges: stateful.exchanges.filter((e) => e.technique === 'fin'), icmpErrors: [] };
  const findings = crossTechniqueFindings([syn, fin]);
  assert.deepEqual(
    findings.map((f) => f.kind),
    ['stateful-firewall', 'reject-rule', 'syn-only-filter'],
  );
  for (const f of findings)
    assert.deepEqual(
      f.sides.map((s) => [...new Set(s.frames.map((r) => r.source))]),
      [[0], [1]],
    );
});

test('an open port that answers FIN with RST, and a port whose answer changed between scans', () => {
  // Real exchanges of lab 78's target, moved to one port: nmap's SYN/ACK from 80 beside the FIN scan's and
  // the connect scan's RST from the closed port 23.
  const onPort80 = <T extends { port: number }>(e: T) => ({ ...e, port: 80 });
  const syn = analyze('nmap-sS.pcapng');
  const open = syn.exchanges.filter((e) => e.port === 80);
  const finReset = analyze('student-stealth_ok.pcap')
    .exchanges.filter((e) => e.technique === 'fin' && e.port === 23)
    .map(onPort80);
  const connectRefused = analyze('nmap-sT.pcap')
    .exchanges.filter((e) => e.port === 23)
    .map(onPort80);
  assert.deepEqual(
    crossTechniqueFindings([
      { exchanges: open, icmpErrors: [] },
      { exchanges: finReset, icmpErrors: [] },
    ]).map((f) => f.kind),
    ['rst-on-open'],
  );
  assert.deepEqual(
    crossTechniqueFindings([
      { exchanges: open, icmpErrors: [] },
      { exchanges: connectRefused, icmpErrors: [] },
    ]).map((f) => f.kind),
    ['answers-changed'],
  );
});
