import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { captureView } from '../../src/extension/capture-analysis';
import { readCaptureFile } from '../../src/wire/pcap';
import { portGroups } from '../../webview/capture-view';
import { deviatingFrames } from '../../webview/exchange-view';
import type { Translate } from '../../webview/dom';

const t: Translate = (key, ...args) => (args.length ? `${key}(${args.join(',')})` : key);
const fixture = (...path: string[]) => join(import.meta.dirname, '..', 'fixtures', 'captures', ...path);

function viewOf(file: string) {
  const shown = captureView(readCaptureFile(file), file, 'en');
  assert.ok('view' in shown, JSON.stringify(shown));
  return shown.view;
}

test('a pcapng of a SYN scan: one group per port in port order, each exchange with its state and textbook verdict', () => {
  const view = viewOf(fixture('formats', 'veth.pcapng'));
  assert.equal(view.analysis.format, 'pcapng');
  assert.equal(view.ladders.length, view.analysis.exchanges.length);
  view.ladders.forEach((packets, i) =>
    assert.deepEqual(
      packets.map((p) => p.frame),
      view.analysis.exchanges[i]!.packets,
    ),
  );
  const groups = portGroups(view, t);
  const ports = groups.map((g) => Number(/:(\d+)\//.exec(g.title)![1]));
  assert.deepEqual(
    ports,
    [...ports].sort((a, b) => a - b),
  );
  const open = groups.flatMap((g) => g.rows).find((r) => r.state === 'open (syn-ack)');
  assert.ok(open, JSON.stringify(groups));
  assert.equal(open.technique, 'syn');
  assert.equal(open.observed, 'S → SA → R(kernel)');
  assert.equal(open.verdict, 'textbookMatches');
  assert.match(open.deviations, /^withFrame\(Kernel RST,\d+\)$/);
  assert.ok(deviatingFrames(view.analysis.exchanges[open.index]).size === 1);
});

test('a student’s program that ignores ICMP: the ICMP answer is named with its frame', () => {
  const view = viewOf(fixture('analysis', 'student-syn_nested_icmp.pcap'));
  const [group] = portGroups(view, t);
  assert.equal(group!.title, `${view.analysis.exchanges[0]!.target}:110/tcp`);
  assert.equal(group!.rows[0]!.state, 'filtered (admin-prohibited)');
  assert.match(group!.rows[0]!.deviations, /withFrame\(ICMP answer,\d+\)/);
});

test('a file that is not a capture is one line of error, not an exception', () => {
  const shown = captureView(readCaptureFile(join(import.meta.dirname, '..', '..', 'package.json')), 'package.json', 'en');
  assert.deepEqual(shown, { error: 'not a pcap or pcapng file (magic 0x7b0a2020)' });
  const missing = captureView(readCaptureFile('/nonexistent.pcap'), '/nonexistent.pcap', 'en');
  assert.ok('error' in missing && missing.error.startsWith('cannot read /nonexistent.pcap'));
});
