import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildIcmpEchoFrame, buildTcpFrame, buildUdpFrame, decodeFrame, TCP_ACK, TCP_SYN } from '../../src/wire';
import { headerLayers } from '../../src/extension/packet-headers';
import { BIT_WIDTH, buildHeaderDiagram } from '../../webview/header-diagram';
import { hasClass, walk, type SvgNode } from '../../webview/svg';

const link = { srcMac: '02:70:6c:33:00:01', dstMac: '02:70:6c:33:00:02' };

function layersOf(frame: Uint8Array) {
  const decoded = decodeFrame(frame);
  assert.ok(decoded);
  return headerLayers(decoded);
}
const fields = (svg: SvgNode, layer: string) =>
  walk(walk(svg).find((n) => n.attrs['data-layer'] === layer)!).filter((n) => n.tag === 'g' && hasClass(n, 'field'));
const field = (svg: SvgNode, layer: string, name: string) => fields(svg, layer).find((g) => g.attrs['data-field'] === name)!;
const text = (g: SvgNode, cls: string) => walk(g).find((n) => hasClass(n, cls))?.text;
const rect = (g: SvgNode) => g.children.find((n) => n.tag === 'rect')!;

test('a SYN/ACK is drawn as IPv4 and TCP headers with the SYN and ACK bits highlighted', () => {
  const frame = buildTcpFrame({
    ...link,
    srcIp: '198.18.51.2',
    dstIp: '198.18.51.1',
    ttl: 64,
    srcPort: 22,
    dstPort: 40000,
    seq: 7,
    ack: 1001,
    flags: TCP_SYN | TCP_ACK,
    window: 64240,
  });
  const svg = buildHeaderDiagram(layersOf(frame));
  assert.deepEqual(
    walk(svg)
      .filter((n) => n.attrs['data-layer'])
      .map((n) => n.attrs['data-layer']),
    ['IPv4', 'TCP'],
  );
  const set = fields(svg, 'TCP')
    .filter((g) => hasClass(g, 'set'))
    .map((g) => g.attrs['data-field']);
  assert.deepEqual(set, ['ACK', 'SYN']);
  assert.equal(text(field(svg, 'TCP', 'Source Port'), 'value'), '22');
  assert.equal(text(field(svg, 'TCP', 'Acknowledgment Number'), 'value'), '1001');
  assert.equal(text(field(svg, 'IPv4', 'Source Address'), 'value'), '198.18.51.2');
  assert.equal(text(field(svg, 'IPv4', 'Protocol'), 'value'), '6 TCP');
  assert.equal(text(field(svg, 'IPv4', 'TTL'), 'value'), '64');
});

test('fields sit in 32-bit rows: each row is filled exactly and never overflows', () => {
  const frame = buildTcpFrame({ ...link, srcIp: '198.18.51.1', dstIp: '198.18.51.2', srcPort: 40000, dstPort: 80, seq: 1, flags: TCP_SYN });
  const svg = buildHeaderDiagram(layersOf(frame));
  for (const layer of ['IPv4', 'TCP']) {
    const rows = new Map<number, number>();
    for (const g of fields(svg, layer)) {
      const r = rect(g);
      const x = Number(r.attrs.x);
      const w = Number(r.attrs.width);
      rows.set(Number(r.attrs.y), (rows.get(Number(r.attrs.y)) ?? 0) + w / BIT_WIDTH);
      assert.ok(x + w <= 8 + 32 * BIT_WIDTH, `${String(g.attrs['data-field'])} overflows its row`);
    }
    assert.deepEqual([...rows.values()], [32, 32, 32, 32, 32], `${layer} has five full rows`);
  }
  // A flag is one bit wide; the 32-bit addresses fill a row each.
  assert.equal(Number(rect(field(svg, 'TCP', 'SYN')).attrs.width), BIT_WIDTH);
  assert.equal(Number(rect(field(svg, 'IPv4', 'Destination Address')).attrs.width), 32 * BIT_WIDTH);
});

test('UDP and ICMP headers show their own fields', () => {
  const udp = buildHeaderDiagram(layersOf(buildUdpFrame({ ...link, srcIp: '198.18.51.1', dstIp: '198.18.51.2', srcPort: 40000, dstPort: 53 })));
  assert.deepEqual(
    fields(udp, 'UDP').map((g) => g.attrs['data-field']),
    ['Source Port', 'Destination Port', 'Length', 'Checksum'],
  );
  assert.equal(text(field(udp, 'UDP', 'Length'), 'value'), '8');
  const icmp = buildHeaderDiagram(layersOf(buildIcmpEchoFrame({ ...link, srcIp: '198.18.51.1', dstIp: '198.18.51.2', echoId: 1, echoSeq: 2 })));
  assert.equal(text(field(icmp, 'ICMP', 'Type'), 'value'), '8');
  assert.equal(text(field(icmp, 'ICMP', 'Code'), 'value'), '0');
});

test('a field wider than what is left of its row continues on the next one', () => {
  const svg = buildHeaderDiagram([
    {
      name: 'TCP',
      fields: [
        { name: 'A', bits: 16, value: '1' },
        { name: 'Long', bits: 48, value: 'xyz' },
      ],
    },
  ]);
  const pieces = fields(svg, 'TCP').filter((g) => g.attrs['data-field'] === 'Long');
  assert.equal(pieces.length, 2);
  assert.deepEqual(
    pieces.map((g) => Number(rect(g).attrs.width) / BIT_WIDTH),
    [16, 32],
  );
  assert.ok(hasClass(pieces[1]!, 'continued'));
  assert.equal(text(pieces[0]!, 'value'), 'xyz');
});
