import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExchangePacket, PortResult } from '../../src/protocol/scan';
import { buildLadder } from '../../webview/ladder';
import { hasClass, walk, type SvgNode } from '../../webview/svg';
import { LADDER_LABELS } from '../support/ladder-labels';

const labels = LADDER_LABELS;

function result(exchange: ExchangePacket[], over: Partial<PortResult> = {}): PortResult {
  return { technique: 'syn', target: '198.18.51.2', port: 22, protocol: 'tcp', state: 'open', reason: 'syn-ack', exchange, ...over };
}
const pkt = (dir: 'out' | 'in', t: number, more: Partial<ExchangePacket>): ExchangePacket => ({
  dir,
  t,
  kind: 'tcp',
  src: dir === 'out' ? '198.18.51.1' : '198.18.51.2',
  len: 44,
  ...more,
});

const arrows = (svg: SvgNode) => walk(svg).filter((n) => n.tag === 'g' && hasClass(n, 'packet'));
const textOf = (g: SvgNode, cls: string) => walk(g).find((n) => n.tag === 'text' && hasClass(n, cls))?.text;
const line = (g: SvgNode) => walk(g).find((n) => n.tag === 'line')!;

test('a SYN scan of an open port draws S right, SA left and the kernel RST right, marked', () => {
  const svg = buildLadder(result([pkt('out', 0, { flags: 'S' }), pkt('in', 0.41, { flags: 'SA' }), pkt('out', 0.48, { flags: 'R', kernel: true })]), labels);
  const g = arrows(svg);
  assert.deepEqual(
    g.map((a) => textOf(a, 'label')),
    ['S', 'SA', 'R'],
  );
  assert.deepEqual(
    g.map((a) => Number(line(a).attrs.x2) > Number(line(a).attrs.x1)),
    [true, false, true],
  );
  assert.deepEqual(
    g.map((a) => hasClass(a, 'kernel')),
    [false, false, true],
  );
  assert.equal(textOf(g[2]!, 'kernel-note'), 'kernel');
  assert.deepEqual(
    g.map((a) => textOf(a, 'time')),
    ['0.00 ms', '0.41 ms', '0.48 ms'],
  );
  // Later packets are drawn lower: time runs down the lifelines.
  assert.ok(Number(line(g[0]!).attrs.y1) < Number(line(g[1]!).attrs.y1));
  assert.equal(walk(svg).filter((n) => hasClass(n, 'no-answer')).length, 0);
});

test('a dropped probe shows its retransmission dashed and numbered, then the silence', () => {
  const svg = buildLadder(
    result([pkt('out', 0, { flags: 'S', retry: 0 }), pkt('out', 1012, { flags: 'S', retry: 1 })], { port: 25, state: 'filtered', reason: 'no-response' }),
    labels,
  );
  const g = arrows(svg);
  assert.deepEqual(
    g.map((a) => textOf(a, 'label')),
    ['S', 'S (retry 1)'],
  );
  assert.deepEqual(
    g.map((a) => hasClass(a, 'retry')),
    [false, true],
  );
  assert.equal(textOf(g[1]!, 'time'), '1012 ms');
  assert.equal(
    walk(svg)
      .filter((n) => hasClass(n, 'no-answer'))
      .map((n) => n.text)
      .join(),
    'no answer',
  );
});

test('an ICMP answer is labelled with type/code and who sent it', () => {
  const svg = buildLadder(
    result([pkt('out', 0, { kind: 'udp' }), pkt('in', 0.3, { kind: 'icmp', icmpType: 3, icmpCode: 3, src: '198.18.51.2' })], {
      technique: 'udp',
      protocol: 'udp',
      port: 69,
      state: 'closed',
      reason: 'port-unreach',
    }),
    labels,
  );
  assert.deepEqual(
    arrows(svg).map((a) => textOf(a, 'label')),
    ['UDP', 'ICMP 3/3 198.18.51.2'],
  );
  assert.ok(hasClass(arrows(svg)[1]!, 'icmp'));
});

test('the selected packet is marked and an empty exchange says so', () => {
  const svg = buildLadder(result([pkt('out', 0, { flags: 'FPU' }), pkt('in', 0.2, { flags: 'RA' })]), labels, 1);
  assert.deepEqual(
    arrows(svg).map((a) => hasClass(a, 'selected')),
    [false, true],
  );
  assert.deepEqual(
    arrows(svg).map((a) => a.attrs['data-index']),
    [0, 1],
  );
  const empty = buildLadder(result([]), labels);
  assert.equal(arrows(empty).length, 0);
  assert.ok(walk(empty).some((n) => hasClass(n, 'no-packets') && n.text === 'no packets'));
});

test('the title names the target and port; lifelines span the arrows', () => {
  const svg = buildLadder(result([pkt('out', 0, { flags: '' })], { port: 8080 }), labels);
  assert.ok(walk(svg).some((n) => hasClass(n, 'lifeline-title') && n.text === 'target 198.18.51.2:8080'));
  assert.equal(textOf(arrows(svg)[0]!, 'label'), 'NULL');
  const lifelines = walk(svg).filter((n) => hasClass(n, 'lifeline'));
  assert.equal(lifelines.length, 2);
  for (const l of lifelines) assert.ok(Number(l.attrs.y2) > Number(line(arrows(svg)[0]!).attrs.y2));
});

test('packets a deviation cites are marked, each arrow with its frame number', () => {
  const exchange = [pkt('out', 0, { flags: 'S', frame: 1 }), pkt('in', 0.3, { flags: 'SA', frame: 2 }), pkt('out', 0.4, { flags: 'RA', frame: 3 })];
  const svg = buildLadder({ target: '198.18.81.2', port: 80, exchange }, labels, undefined, new Set([3]));
  assert.deepEqual(
    arrows(svg).map((a) => hasClass(a, 'deviation')),
    [false, false, true],
  );
  assert.deepEqual(
    arrows(svg).map((a) => textOf(a, 'frame')),
    ['#1', '#2', '#3'],
  );
  assert.equal(
    arrows(buildLadder(result([pkt('out', 0, { flags: 'S' })]), labels))[0]!.children.filter((n) => hasClass(n, 'frame')).length,
    0,
    'no frame, no number',
  );
});
