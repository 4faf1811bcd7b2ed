// Every deviation kind `portlab analyze` names, each from a real capture (test/fixtures/captures/analysis/README.md),
// with its frames and facts, and whether it breaks the textbook.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeCapture, type CaptureAnalysis } from '../../src/analysis/analyze-capture';
import { breaksTextbook, type Deviation } from '../../src/analysis/deviations';
import type { AnalyzedExchange } from '../../src/analysis/exchange-analysis';
import { DEVIATION_KINDS, formatExchange, type DeviationKind } from '../../src/protocol';

const DIR = join(import.meta.dirname, '../fixtures/captures/analysis');
const analyze = (file: string) => analyzeCapture(readFileSync(join(DIR, file)));

function exchange(analysis: CaptureAnalysis, port: number): AnalyzedExchange {
  const found = analysis.exchanges.filter((e) => e.port === port);
  assert.equal(found.length, 1, `exchanges with port ${port}`);
  return found[0]!;
}

function deviation<K extends DeviationKind>(e: AnalyzedExchange, kind: K): Extract<Deviation, { kind: K }> {
  const found = e.deviations.filter((d): d is Extract<Deviation, { kind: K }> => d.kind === kind);
  assert.equal(found.length, 1, `${kind} in ${e.deviations.map((d) => d.kind).join(', ')}`);
  return found[0]!;
}

const seen = new Set<DeviationKind>();
function expectDeviation<K extends DeviationKind>(
  e: AnalyzedExchange,
  kind: K,
  frames: number[],
  facts: Extract<Deviation, { kind: K }>['facts'],
  breaks: boolean,
) {
  const d = deviation(e, kind);
  assert.deepEqual(d.frames, frames, kind);
  assert.deepEqual(d.facts, facts, kind);
  assert.equal(breaksTextbook(d), breaks, kind);
  seen.add(kind);
}

test('connect_ra.py: a connect attempt answered with RA instead of the ACK — the handshake never completed', () => {
  const e = exchange(analyze('student-connect_ra.pcap'), 80);
  assert.equal(e.technique, 'connect');
  assert.equal(formatExchange(e.packets), 'S → SA → R(kernel) → RA');
  expectDeviation(e, 'handshake-not-completed', [4, 6], { reply: 'RA' }, true);
  expectDeviation(e, 'kernel-reset', [5], { synAckFrame: 4, delayMicros: 8 }, false);
  assert.equal(e.matchesTextbook, false);
});

test("syn_ok.py and nmap: the kernel's RST is named and explained, and the exchange still matches", () => {
  const e = exchange(analyze('student-syn_ok.pcapng'), 80);
  expectDeviation(e, 'kernel-reset', [5], { synAckFrame: 4, delayMicros: 7 }, false);
  assert.ok(e.matchesTextbook);
  assert.equal(deviation(exchange(analyze('nmap-sS.pcapng'), 80), 'kernel-reset').frames.length, 1);
});

test('syn_nested_icmp.py: the ICMP 3/13 the program never handled is on the wire', () => {
  const e = exchange(analyze('student-syn_nested_icmp.pcap'), 110);
  expectDeviation(e, 'icmp-answer', [4], { icmpType: 3, icmpCode: 13, state: 'filtered', reason: 'admin-prohibited' }, false);
  assert.ok(e.matchesTextbook);
});

test('retransmissions: after silence they match the textbook, an answer only after a retry does not', () => {
  const silent = exchange(analyze('student-syn_ok.pcapng'), 25);
  expectDeviation(silent, 'retransmission', [14], { tries: 2, answeredAfterRetry: false }, false);
  assert.ok(silent.matchesTextbook);
  const answeredLate = exchange(analyze('late-udp.pcap'), 5003);
  expectDeviation(answeredLate, 'retransmission', [4], { tries: 2, answeredAfterRetry: true }, true);
  assert.equal(answeredLate.verdict, 'answered-after-retries');
  assert.equal(answeredLate.matchesTextbook, false);
});

test('late answers: after the scanner moved on they do not decide the port, and say what they would have', () => {
  const late = analyze('late-udp.pcap');
  const gaveUp = exchange(late, 5005);
  expectDeviation(gaveUp, 'late-answer', [17, 19], { delayMs: 2968, lastProbeFrame: 12, movedOnFrame: 15, state: 'open', reason: 'udp-response' }, true);
  assert.deepEqual([gaveUp.wire?.state, gaveUp.wire?.reason], ['open|filtered', 'no-response']);
  assert.equal(gaveUp.matchesTextbook, false);
  // The answer to 5003's retry came after the program had its answer (frame 5) and moved on: nothing changes.
  const decided = exchange(late, 5003);
  expectDeviation(decided, 'late-answer', [10], { delayMs: 3983, lastProbeFrame: 4, movedOnFrame: 9, decidedByFrame: 5 }, false);
  assert.deepEqual([decided.wire?.state, decided.wire?.answer?.frame], ['open', 5]);
  // A prompt answer is never late, in a nmap scan of many ports at once neither.
  assert.ok(!exchange(late, 69).deviations.some((d) => d.kind === 'late-answer'));
  for (const file of ['nmap-sS.pcapng', 'nmap-sU.pcapng', 'ratelimit-syn-fin.pcap'])
    assert.ok(!analyze(file).exchanges.some((e) => e.deviations.some((d) => d.kind === 'late-answer')), file);
});

test("the scanner kernel's ICMP port-unreachable after each UDP answer", () => {
  const e = exchange(analyze('student-udp_ok.pcap'), 7);
  expectDeviation(e, 'kernel-port-unreachable', [18], { answerFrame: 17 }, false);
  assert.ok(e.matchesTextbook);
  const late = exchange(analyze('late-udp.pcap'), 5005);
  assert.deepEqual(
    late.deviations.filter((d) => d.kind === 'kernel-port-unreachable').map((d) => d.frames[0]),
    [18, 20],
  );
});

test('odd probe flags: classified as the closest technique, a RST probe as unknown', () => {
  const odd = analyze('odd-flags.pcap');
  assert.deepEqual(
    odd.exchanges.map((e) => [e.port, e.technique, e.wire?.state]),
    [
      [80, 'syn', 'filtered'],
      [24, 'fin', 'closed'],
      [24, 'null', 'closed'],
      [24, 'unknown', undefined],
    ],
  );
  expectDeviation(odd.exchanges[0]!, 'odd-probe-flags', [3], { flags: 'FS', closest: 'syn' }, true);
  assert.deepEqual(odd.exchanges[1]!.deviations[0]!.facts, { flags: 'FP', closest: 'fin' });
  assert.deepEqual(odd.exchanges[2]!.deviations[0]!.facts, { flags: 'PU', closest: 'null' });
  assert.deepEqual(odd.exchanges[3]!.deviations[0]!.facts, { flags: 'R', closest: 'unknown' });
  assert.ok(odd.exchanges.every((e) => !e.matchesTextbook));
  assert.equal(odd.unattributed, 2, 'the two ARP packets');
});

test('udp_empty_dns.py: an empty datagram to the DNS port got no answer, where a query would have', () => {
  const e = exchange(analyze('student-udp_empty_dns.pcap'), 53);
  assert.deepEqual([e.wire?.state, e.wire?.reason], ['open|filtered', 'no-response']);
  // Silence is the textbook's open|filtered: the note says what hides behind it; only the lab's truth makes it wrong.
  expectDeviation(e, 'empty-udp-probe', [3, 4], { port: 53, requestBytes: 17 }, false);
  assert.equal(e.matchesTextbook, true);
  // udp_ok.py sent a query and got the answer; an empty probe to the echo port is what it should be.
  const ok = analyze('student-udp_ok.pcap');
  for (const port of [53, 7]) assert.ok(!exchange(ok, port).deviations.some((d) => d.kind === 'empty-udp-probe'));
});

test('unattributed packets: ARP and anything not in a scan exchange are counted', () => {
  assert.equal(analyze('student-syn_ok.pcapng').unattributed, 8);
  assert.equal(analyze('loopback.pcapng').unattributed, 0);
  assert.equal(analyze('student-connect_ok.pcap').unattributed, 0);
});

test('nmap -sM and -sW on Linux: every RST answers a probe with ACK, from open ports too, with window 0', () => {
  const maimon = analyze('nmap-sM.pcap');
  // 22 and 80 are open in the lab, 23 closed: the same R, the same note
  for (const port of [22, 23, 80]) {
    const e = exchange(maimon, port);
    const answer = e.packets.find((p) => p.dir === 'in')!;
    expectDeviation(e, 'reset-to-ack', [answer.frame!], { probe: 'FA', answer: 'R', window: 0, readsWindow: false, state: 'closed' }, false);
    assert.ok(e.matchesTextbook, `port ${port}`);
  }
  const window = analyzeCapture(readFileSync(join(DIR, 'nmap-sW.pcap')), { technique: 'window' });
  const e = exchange(window, 22);
  expectDeviation(e, 'reset-to-ack', [e.packets[1]!.frame!], { probe: 'A', answer: 'R', window: 0, readsWindow: true, state: 'closed' }, false);
  // named by its maker, the technique is no longer in doubt; the capture alone cannot tell Window from ACK
  assert.ok(!e.deviations.some((d) => d.kind === 'same-probe'));
  const ack = exchange(analyze('nmap-sW.pcap'), 22);
  expectDeviation(ack, 'same-probe', [ack.packets[1]!.frame!], { technique: 'window', state: 'closed', reason: 'reset', window: 0 }, false);
  // the ACK scan's RST decides nothing but "unfiltered": no note on what it would mean for the port
  assert.ok(!exchange(analyze('nmap-sA.pcap'), 22).deviations.some((d) => d.kind === 'reset-to-ack'));
});

test('every deviation kind was met in a real capture above', () => {
  assert.deepEqual([...seen].sort(), [...DEVIATION_KINDS].sort());
});
