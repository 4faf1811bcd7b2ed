// The report's explanation of the Window and Maimon scans comes from the captured segments: the RSTs'
// windows and the probe's flags, not from an assumption about Linux. The same scan with another window
// in one captured RST reads, and is explained, otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTcpFrame, TCP_ACK, TCP_FIN, TCP_RST } from '../../src/wire';
import { labTopology } from '../../src/lab';
import type { PortResult, PortState, Technique } from '../../src/protocol';
import { renderReport, type ReportInput } from '../../src/report';
import { messagesFor } from '../../src/report/i18n';
import { pcapOf, syntheticLab } from '../fixtures/report/synthetic';

const topo = labTopology(40);
const SPORT = 41000;

/** The probe to `port` at `t` ms and, 0.04 ms later, the target's RST with `window`. */
function exchange(t: number, port: number, probeFlags: number, window: number) {
  const out = { srcMac: topo.scanner.mac, dstMac: topo.target.mac, srcIp: topo.scanner.address, dstIp: topo.target.address, srcPort: SPORT, dstPort: port };
  const back = { srcMac: topo.target.mac, dstMac: topo.scanner.mac, srcIp: topo.target.address, dstIp: topo.scanner.address, srcPort: port, dstPort: SPORT };
  return [
    { t, frame: buildTcpFrame({ ...out, seq: 1000, ack: 2000, flags: probeFlags }) },
    { t: t + 0.04, frame: buildTcpFrame({ ...back, seq: 2000, flags: TCP_RST, window }) },
  ];
}

/** A scan of the lab's open port 22 and closed port 23 with `technique`, whose RSTs carried these windows. */
function input(technique: Technique, probeFlags: number, windows: { 22: number; 23: number }, states: { 22: PortState; 23: PortState }): ReportInput {
  const result = (port: 22 | 23): PortResult => ({
    technique,
    target: topo.target.address,
    port,
    protocol: 'tcp',
    state: states[port],
    reason: 'reset',
    exchange: [],
  });
  return {
    doc: { tool: 'portlab 0.1.0', startedAt: '2026-01-01T00:00:00.000Z', results: [result(22), result(23)] },
    lab: syntheticLab(),
    captures: {
      [technique]: { href: `${technique}.pcap`, bytes: pcapOf([...exchange(0, 22, probeFlags, windows[22]), ...exchange(1, 23, probeFlags, windows[23])]) },
    },
    nmapXml: {},
  };
}

const m = messagesFor('en');
const row = (report: string, port: number) => report.split('\n').find((l) => l.startsWith(`| ${port}/tcp |`)) ?? '';

test('Window: every captured RST with window 0 makes the open port closed, and the report says so with the window and frame', () => {
  const report = renderReport(input('window', TCP_ACK, { 22: 0, 23: 0 }, { 22: 'closed', 23: 'closed' }), { lang: 'en', timeZone: 'UTC' });
  assert.ok(row(report, 22).includes(`| \`A → R (win 0)\` | \`A → R (win > 0)\` | ${m.verdictShort('reset-on-open')} |`), row(report, 22));
  assert.ok(row(report, 23).includes(`| \`A → R (win 0)\` | \`A → R (win 0)\` | ${m.verdictShort('textbook')} |`), row(report, 23));
  assert.ok(report.includes('Every RST this scan captured had window 0 — window (ports): 0 (22-23).'));
  assert.ok(report.includes('yet it answered the A probe with R (frame 2) with window 0.'));
  assert.ok(report.includes("this capture's RSTs carried window 0 (22-23)"));
});

test('Window: a captured RST with a window reads open, and the report quotes that window instead', () => {
  const report = renderReport(input('window', TCP_ACK, { 22: 8192, 23: 0 }, { 22: 'open', 23: 'closed' }), { lang: 'en', timeZone: 'UTC' });
  assert.ok(row(report, 22).includes(`| \`A → R (win 8192)\` | \`A → R (win > 0)\` | ${m.verdictShort('textbook')} |`), row(report, 22));
  assert.ok(report.includes('The RSTs this scan captured carried these windows — window (ports): 0 (23); 8192 (22).'));
  assert.ok(!report.includes('Every RST this scan captured had window 0'));
  assert.ok(!report.includes(m.verdictShort('reset-on-open')));
});

test('Maimon: the open port reset the FIN/ACK it was sent, and the report explains it by the probe carrying ACK', () => {
  const report = renderReport(input('maimon', TCP_FIN | TCP_ACK, { 22: 0, 23: 0 }, { 22: 'closed', 23: 'closed' }), { lang: 'en', timeZone: 'UTC' });
  assert.ok(row(report, 22).includes(`| \`FA → R\` | \`FA, no answer\` | ${m.verdictShort('reset-on-open')} |`), row(report, 22));
  assert.ok(report.includes('yet it answered the FA probe with R (frame 2). The probe carries ACK, and RFC 793'));
  // the zh-CN report says the same from the same frame
  const zh = renderReport(input('maimon', TCP_FIN | TCP_ACK, { 22: 0, 23: 0 }, { 22: 'closed', 23: 'closed' }), { lang: 'zh-CN', timeZone: 'UTC' });
  assert.ok(zh.includes('但它对 FA 探测报文回复了 R（第 2 帧）。探测报文带有 ACK 标志位'));
});
