import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PortResult } from '../../src/protocol/scan';
import { buildLadder, LADDER_WIDTH, type LadderLabels } from '../../webview/ladder';
import { hasClass, walk, type SvgNode } from '../../webview/svg';
import { LADDER_LABELS } from '../support/ladder-labels';

const labels: LadderLabels = { ...LADDER_LABELS, inferred: 'inferred from the IP ID, not seen', spoofed: 'source address spoofed:' };

// Port 22 of an idle scan of lab 250 from the editor: the zombie's RST before, the SYN in its name, what the rise proves.
const IDLE: PortResult = {
  technique: 'idle',
  target: '198.18.250.2',
  port: 22,
  protocol: 'tcp',
  state: 'open',
  reason: 'ipid-change',
  exchange: [
    { dir: 'out', t: 742.9, kind: 'tcp', flags: 'SA', src: '198.18.250.1', dst: '198.18.250.4', len: 44, frame: 32, retry: 0 },
    { dir: 'in', t: 743.3, kind: 'tcp', flags: 'R', src: '198.18.250.4', dst: '198.18.250.1', len: 40, ipId: 31007, frame: 33 },
    { dir: 'out', t: 743.8, kind: 'tcp', flags: 'S', src: '198.18.250.4', dst: '198.18.250.2', len: 44, frame: 34 },
    { dir: 'in', t: 743.8, kind: 'tcp', flags: 'SA', src: '198.18.250.2', dst: '198.18.250.4', len: 0, inferred: true },
    { dir: 'in', t: 743.8, kind: 'tcp', flags: 'R', src: '198.18.250.4', dst: '198.18.250.2', len: 40, inferred: true, ipId: 31008 },
  ],
};

const lifelineXs = (svg: SvgNode) => walk(svg).flatMap((n) => (n.tag === 'line' && hasClass(n, 'lifeline') ? [Number(n.attrs.x1)] : []));
const packets = (svg: SvgNode) => walk(svg).filter((n) => n.tag === 'g' && hasClass(n, 'packet'));
const text = (g: SvgNode, cls: string) => walk(g).find((n) => n.tag === 'text' && hasClass(n, cls));

test("the SYN sent in the zombie's name passes the zombie's lifeline: its flags and its note stand on its first stretch, off that line", () => {
  const svg = buildLadder(IDLE, labels);
  const [scanner, zombie, target] = lifelineXs(svg);
  const syn = packets(svg)[2]!;
  const arrow = walk(syn).find((n) => n.tag === 'line')!;
  assert.deepEqual([Number(arrow.attrs.x1), Number(arrow.attrs.x2)], [scanner, target], 'from the scanner to the target');
  for (const cls of ['label', 'note']) {
    const x = Number(text(syn, cls)!.attrs.x);
    assert.equal(x, (scanner! + zombie!) / 2, `${cls} between the scanner and the zombie`);
  }
  // The flags stay just above the slanting arrow where they stand.
  const y = Number(text(syn, 'label')!.attrs.y);
  const arrowYThere = Number(arrow.attrs.y1) + ((Number(arrow.attrs.y2) - Number(arrow.attrs.y1)) * (zombie! - scanner!)) / 2 / (target! - scanner!);
  assert.ok(arrowYThere - y > 0 && arrowYThere - y < 10, `${y} above ${arrowYThere}`);
});

test('an arrow between neighbouring lifelines keeps its words in its middle', () => {
  const svg = buildLadder(IDLE, labels);
  const [scanner, zombie, target] = lifelineXs(svg);
  const [probe, , , synAck, rst] = packets(svg);
  assert.equal(Number(text(probe!, 'label')!.attrs.x), (scanner! + zombie!) / 2);
  assert.equal(Number(text(synAck!, 'label')!.attrs.x), (zombie! + target!) / 2);
  assert.equal(Number(text(rst!, 'note')!.attrs.x), (zombie! + target!) / 2);
});

test("the target's lifeline keeps the two-lifeline ladder's right margin for its title, with three lifelines too", () => {
  // The same port scanned with SYN: scanner and target alone.
  const syn: PortResult = {
    ...IDLE,
    technique: 'syn',
    reason: 'syn-ack',
    exchange: [
      { dir: 'out', t: 1.2, kind: 'tcp', flags: 'S', src: '198.18.250.1', dst: '198.18.250.2', len: 44, frame: 1 },
      { dir: 'in', t: 1.3, kind: 'tcp', flags: 'SA', src: '198.18.250.2', dst: '198.18.250.1', len: 44, frame: 2 },
    ],
  };
  const two = lifelineXs(buildLadder(syn, labels));
  const three = lifelineXs(buildLadder(IDLE, labels));
  assert.deepEqual([two.length, three.length], [2, 3]);
  assert.equal(LADDER_WIDTH - three[2]!, LADDER_WIDTH - two[1]!);
});
