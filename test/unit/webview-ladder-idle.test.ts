import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PortResult } from '../../src/protocol/scan';
import { buildLadder, type LadderLabels } from '../../webview/ladder';
import { hasClass, walk, type SvgNode } from '../../webview/svg';
import { LADDER_LABELS } from '../support/ladder-labels';

const labels: LadderLabels = { ...LADDER_LABELS, inferred: 'inferred from the IP ID', spoofed: 'source spoofed:' };

// Port 22 of an idle scan of lab 221 (results.json of `portlab scan -sI 198.18.221.4 198.18.221.2`): the
// zombie's RST before, the SYN in the zombie's name, what the rise proves, the zombie's RST after.
const OPEN_PORT: PortResult = {
  technique: 'idle',
  target: '198.18.221.2',
  port: 22,
  protocol: 'tcp',
  state: 'open',
  reason: 'ipid-change',
  service: 'ssh',
  exchange: [
    { dir: 'out', t: 851.592, kind: 'tcp', flags: 'SA', src: '198.18.221.1', dst: '198.18.221.4', len: 44, frame: 34, retry: 0 },
    { dir: 'in', t: 853.417, kind: 'tcp', flags: 'R', src: '198.18.221.4', dst: '198.18.221.1', len: 40, ipId: 49451, frame: 35 },
    { dir: 'out', t: 853.757, kind: 'tcp', flags: 'S', src: '198.18.221.4', dst: '198.18.221.2', len: 44, frame: 36 },
    { dir: 'in', t: 853.757, kind: 'tcp', flags: 'SA', src: '198.18.221.2', dst: '198.18.221.4', len: 0, inferred: true },
    { dir: 'in', t: 853.757, kind: 'tcp', flags: 'R', src: '198.18.221.4', dst: '198.18.221.2', len: 40, inferred: true, ipId: 49452 },
    { dir: 'out', t: 903.184, kind: 'tcp', flags: 'SA', src: '198.18.221.1', dst: '198.18.221.4', len: 44, frame: 37, retry: 0 },
    { dir: 'in', t: 903.512, kind: 'tcp', flags: 'R', src: '198.18.221.4', dst: '198.18.221.1', len: 40, ipId: 49453, frame: 38 },
  ],
};

const arrows = (svg: SvgNode) => walk(svg).filter((n) => n.tag === 'g' && hasClass(n, 'packet'));
const texts = (n: SvgNode, cls: string) => walk(n).filter((c) => c.tag === 'text' && hasClass(c, cls));
const ends = (g: SvgNode) => {
  const line = walk(g).find((n) => n.tag === 'line')!;
  return [Number(line.attrs.x1), Number(line.attrs.x2)];
};

test('an idle exchange draws three lifelines, scanner, zombie and target, each arrow between the hosts it went between', () => {
  const svg = buildLadder(OPEN_PORT, labels);
  const lifelines = walk(svg).filter((n) => n.tag === 'line' && hasClass(n, 'lifeline'));
  assert.equal(lifelines.length, 3);
  const [scanner, zombie, target] = lifelines.map((l) => Number(l.attrs.x1));
  assert.ok(scanner! < zombie! && zombie! < target!);
  assert.deepEqual(
    texts(svg, 'lifeline-title').map((t) => t.text),
    ['scanner', 'zombie 198.18.221.4', 'target 198.18.221.2:22'],
  );
  assert.deepEqual(arrows(svg).map(ends), [
    [scanner, zombie], // SYN/ACK probe to the zombie
    [zombie, scanner], // its RST
    [scanner, target], // the SYN the scanner sends in the zombie's name
    [target, zombie], // the target's SYN/ACK, to the zombie
    [zombie, target], // the zombie's RST to it
    [scanner, zombie],
    [zombie, scanner],
  ]);
});

test('each zombie answer shows its IP ID; the spoofed SYN says whose address it carries; inferred packets are dashed and timeless', () => {
  const g = arrows(buildLadder(OPEN_PORT, labels));
  assert.deepEqual(
    g.map((a) => texts(a, 'label')[0]!.text),
    ['SA', 'R · IP ID 49451', 'S', 'SA', 'R · IP ID 49452', 'SA', 'R · IP ID 49453'],
  );
  assert.equal(texts(g[2]!, 'note')[0]!.text, 'source spoofed: 198.18.221.4');
  assert.deepEqual(
    g.map((a) => hasClass(a, 'inferred')),
    [false, false, false, true, true, false, false],
  );
  assert.deepEqual(
    g.map((a) => texts(a, 'note')[0]?.text),
    [undefined, undefined, 'source spoofed: 198.18.221.4', 'inferred from the IP ID', 'inferred from the IP ID', undefined, undefined],
  );
  assert.deepEqual(
    g.map((a) => texts(a, 'time').length),
    [1, 1, 1, 0, 0, 1, 1],
  );
});

test('other techniques keep their two lifelines', () => {
  const syn: PortResult = {
    ...OPEN_PORT,
    technique: 'syn',
    reason: 'syn-ack',
    exchange: [
      { dir: 'out', t: 0, kind: 'tcp', flags: 'S', src: '198.18.221.1', len: 44 },
      { dir: 'in', t: 0.4, kind: 'tcp', flags: 'SA', src: '198.18.221.2', len: 44 },
    ],
  };
  const svg = buildLadder(syn, labels);
  assert.equal(walk(svg).filter((n) => n.tag === 'line' && hasClass(n, 'lifeline')).length, 2);
});
