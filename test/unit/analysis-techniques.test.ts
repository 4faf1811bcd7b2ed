// Technique recognition and classification of real captures (test/fixtures/captures/analysis/README.md):
// nmap's scans agree with nmap's own XML port by port, the student programs are told apart by their
// probes and by how they go on after the SYN/ACK, and the scanner kernel's packets are singled out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeCapture, type CaptureAnalysis } from '../../src/analysis/analyze-capture';
import type { AnalyzedExchange } from '../../src/analysis/exchange-analysis';
import { formatExchange, type Technique } from '../../src/protocol';
import { parseNmapXml } from '../../src/report/nmap';

const DIR = join(import.meta.dirname, '../fixtures/captures/analysis');
const analyze = (file: string, technique?: Technique) => analyzeCapture(readFileSync(join(DIR, file)), { technique });

/** The exchange with `port` (the only one, or the one of `technique`). */
function exchange(analysis: CaptureAnalysis, port: number, technique?: string): AnalyzedExchange {
  const found = analysis.exchanges.filter((e) => e.port === port && (technique === undefined || e.technique === technique));
  assert.equal(found.length, 1, `exchanges with port ${port}: ${found.length}`);
  return found[0]!;
}

const frames = (e: AnalyzedExchange, keep: (p: AnalyzedExchange['packets'][number]) => boolean = () => true) => e.packets.filter(keep).map((p) => p.frame);

/** `known`: the technique the capture's maker names, where the probe cannot (the Window scan sends the ACK scan's probe). */
const NMAP_RUNS: [file: string, flag: string, technique: Technique, known?: Technique][] = [
  ['nmap-sT.pcap', 'T', 'connect'],
  ['nmap-sS.pcapng', 'S', 'syn'],
  ['nmap-sX.pcap', 'X', 'xmas'],
  ['nmap-sF.pcap', 'F', 'fin'],
  ['nmap-sN.pcap', 'N', 'null'],
  ['nmap-sU.pcapng', 'U', 'udp'],
  ['nmap-sA.pcap', 'A', 'ack'],
  ['nmap-sW.pcap', 'W', 'window', 'window'],
  ['nmap-sM.pcap', 'M', 'maimon'],
];

for (const [file, flag, technique, known] of NMAP_RUNS) {
  test(`nmap -s${flag}: each port's exchange is a ${technique} scan with nmap's own state and reason, and matches the textbook`, () => {
    const analysis = analyze(file, known);
    const nmap = parseNmapXml(readFileSync(join(DIR, `nmap-s${flag}.xml`), 'utf8'));
    assert.ok(nmap);
    assert.equal(analysis.exchanges.length, nmap.ports.size);
    for (const e of analysis.exchanges) {
      const answer = nmap.ports.get(`${e.target}:${e.port}`);
      assert.equal(e.technique, technique, `port ${e.port}`);
      assert.deepEqual([e.wire?.state, e.wire?.reason], [answer?.state, answer?.reason], `port ${e.port}`);
      assert.ok(e.matchesTextbook, `port ${e.port}: ${e.deviations.map((d) => d.kind).join(', ')}`);
    }
  });
}

test("nmap's retry from the next source port is the same exchange; its two UDP payloads at once are one try", () => {
  const syn = exchange(analyze('nmap-sS.pcapng'), 25);
  assert.equal(formatExchange(syn.packets), 'S → S');
  assert.deepEqual(
    syn.packets.map((p) => p.retry),
    [0, 1],
  );
  const udp = analyze('nmap-sU.pcapng');
  assert.equal(formatExchange(exchange(udp, 69).packets), 'UDP → ICMP 3/3 → UDP → ICMP 3/3');
  assert.equal(exchange(udp, 69).wire?.probes, 1);
  assert.ok(!exchange(udp, 69).deviations.some((d) => d.kind === 'retransmission'));
  assert.equal(exchange(udp, 123).triesMicros.length, 2);
});

test('a SYN scan: the RST after the SYN/ACK is the kernel’s (window 0, at once), the program’s own RST is not', () => {
  const nmap = exchange(analyze('nmap-sS.pcapng'), 80);
  assert.equal(formatExchange(nmap.packets), 'S → SA → R(kernel)');
  const student = exchange(analyze('student-syn_ok.pcapng'), 80);
  assert.equal(student.technique, 'syn');
  assert.equal(formatExchange(student.packets), 'S → SA → R(kernel) → R');
  assert.deepEqual(
    frames(student, (p) => !!p.kernel),
    [5],
  );
});

test('a real connect() scan: kernel SYNs with options, the handshake completed, nothing singled out as the kernel’s', () => {
  for (const file of ['nmap-sT.pcap', 'student-connect_ok.pcap']) {
    const open = exchange(analyze(file), 80);
    assert.equal(open.technique, 'connect');
    assert.match(formatExchange(open.packets), /^S → SA → A → /);
    assert.ok(!open.packets.some((p) => p.kernel), file);
  }
  const ok = analyze('student-connect_ok.pcap');
  // Two connect() calls, each SYN sent again by the kernel a second later: one exchange of four tries.
  assert.equal(formatExchange(exchange(ok, 25).packets), 'S → S → S → S');
  assert.deepEqual([exchange(ok, 25).wire?.state, exchange(ok, 25).wire?.reason], ['filtered', 'no-response']);
  // connect() sees ICMP 3/13 as EHOSTUNREACH: the table's reason for it.
  assert.deepEqual([exchange(ok, 110).wire?.state, exchange(ok, 110).wire?.reason], ['filtered', 'host-unreach']);
  assert.equal(exchange(ok, 23).wire?.reason, 'conn-refused');
});

test('the student programs: each technique recognised from its probe, the state each program printed', () => {
  const stealth = analyze('student-stealth_ok.pcap');
  const printed: [string, number, string][] = [
    ['xmas', 80, 'open|filtered'],
    ['xmas', 23, 'closed'],
    ['xmas', 110, 'filtered'],
    ['fin', 80, 'open|filtered'],
    ['fin', 23, 'closed'],
    ['fin', 110, 'filtered'],
    ['null', 80, 'open|filtered'],
    ['null', 23, 'closed'],
    ['null', 110, 'filtered'],
  ];
  for (const [technique, port, state] of printed) assert.equal(exchange(stealth, port, technique).wire?.state, state, `${technique} ${port}`);
  assert.equal(stealth.exchanges.length, printed.length);
  assert.ok(stealth.exchanges.every((e) => e.matchesTextbook));

  const syn = analyze('student-syn_ok.pcapng');
  assert.deepEqual(
    [80, 23, 25, 110].map((port) => exchange(syn, port).wire?.state),
    ['open', 'closed', 'filtered', 'filtered'],
  );
  const udp = analyze('student-udp_ok.pcap');
  assert.deepEqual(
    [53, 69, 514, 7].map((port) => [exchange(udp, port).technique, exchange(udp, port).wire?.state]),
    [
      ['udp', 'open'],
      ['udp', 'closed'],
      ['udp', 'filtered'],
      ['udp', 'open'],
    ],
  );
  assert.ok([...syn.exchanges, ...udp.exchanges].every((e) => e.matchesTextbook));
});

test("a UDP answer's ICMP port-unreachable from the scanner is the kernel's", () => {
  const dns = exchange(analyze('student-udp_ok.pcap'), 53);
  assert.equal(formatExchange(dns.packets), 'UDP → UDP → ICMP 3/3(kernel)');
  assert.equal(dns.verdict, 'kernel-port-unreachable');
});

test('on loopback both ends are 127.0.0.1: scanner and target told apart by ports, three scanners kept apart', () => {
  const lo = analyze('loopback.pcapng');
  assert.equal(lo.unattributed, 0);
  assert.ok(lo.exchanges.every((e) => e.scanner === '127.0.0.1' && e.target === '127.0.0.1'));
  assert.deepEqual(
    lo.exchanges.map((e) => [e.port, e.technique, formatExchange(e.packets)]),
    [
      [8001, 'syn', 'S → RA'],
      [8000, 'syn', 'S → SA → R(kernel)'],
      // Scapy's SYNs on lo got no answer, so the program printed "filtered"; connect_ok.py's from another source port is another exchange.
      [8000, 'syn', 'S → S'],
      [8000, 'connect', 'S → SA → A → FA → FA → A'],
    ],
  );
});

test('a capture maker that names the technique settles connect or SYN where the wire cannot', () => {
  // connect_ra.py's closed port looks like any SYN scan's on the wire.
  assert.equal(exchange(analyze('student-connect_ra.pcap'), 23).technique, 'syn');
  const named = exchange(analyze('student-connect_ra.pcap', 'connect'), 23);
  assert.deepEqual([named.technique, named.wire?.reason], ['connect', 'conn-refused']);
  // …but not what its probe says it is not.
  assert.equal(exchange(analyze('student-stealth_ok.pcap', 'syn'), 23, 'fin').technique, 'fin');
});

test("nmap -sW without its maker's word reads as the ACK scan it looks like, with the Window scan's reading of each RST beside it", () => {
  const analysis = analyze('nmap-sW.pcap');
  for (const port of [22, 23, 80]) {
    const e = exchange(analysis, port);
    assert.deepEqual([e.technique, e.wire?.state, formatExchange(e.packets)], ['ack', 'unfiltered', 'A → R'], `port ${port}`);
    const note = e.deviations.find((d) => d.kind === 'same-probe');
    assert.deepEqual(note?.facts, { technique: 'window', state: 'closed', reason: 'reset', window: 0 }, `port ${port}`);
    assert.deepEqual(
      note?.frames,
      frames(e, (p) => p.dir === 'in'),
    );
  }
});
