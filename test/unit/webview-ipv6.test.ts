// The editor's views of IPv6 packets, on frames of a real `nmap -6` capture (test/fixtures/captures/ipv6): the
// header diagram draws the IPv6 header as RFC 8200 does and ICMPv6 with each type's own fields, the ladder
// says ICMPv6, and addresses are shown and sorted as IPv6 addresses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { JSDOM } from 'jsdom';
import { decodeLinkFrame, ICMPV6_DEST_UNREACH, ICMPV6_NEIGHBOR_ADVERTISEMENT, TCP_ACK, TCP_SYN } from '../../src/wire';
import { readCaptureFile, type CaptureContents } from '../../src/wire/pcap';
import { frameHeaders } from '../../src/extension/packet-headers';
import { captureView } from '../../src/extension/capture-analysis';
import type { DecodedFrame } from '../../src/wire';
import type { HeaderLayer } from '../../src/protocol/webview';
import type { ExchangePacket } from '../../src/protocol';
import { BIT_WIDTH, buildHeaderDiagram } from '../../webview/header-diagram';
import { headerBox } from '../../webview/packet-diagrams';
import { buildLadder } from '../../webview/ladder';
import { portGroups } from '../../webview/capture-view';
import { addressOrder } from '../../webview/exchange-view';
import { hasClass, walk, type SvgNode } from '../../webview/svg';
import type { Translate } from '../../webview/dom';
import { LADDER_LABELS } from '../support/ladder-labels';

const DIR = join(import.meta.dirname, '../fixtures/captures/ipv6');
const SCANNER = '2001:2:0:240::1';
const TARGET = '2001:2:0:240::2';

/** The headers of the first frame of `file` that `wanted` picks, as the editor fetches them for the diagram. */
function headersOf(file: string, wanted: (d: DecodedFrame) => boolean): HeaderLayer[] {
  const capture: CaptureContents = readCaptureFile(join(DIR, file));
  const index = capture.records.findIndex((r) => {
    const d = decodeLinkFrame(r.linkType, r.data);
    return d !== undefined && wanted(d);
  });
  assert.ok(index >= 0, `no such frame in ${file}`);
  return frameHeaders(capture, index + 1);
}

const synAck = (d: DecodedFrame) => d.ip6 !== undefined && d.tcp?.flags === (TCP_SYN | TCP_ACK);
const layerNames = (layers: HeaderLayer[]) => layers.map((l) => l.name);
const fieldsOf = (layers: HeaderLayer[], name: string) => layers.find((l) => l.name === name)!.fields;
const valueOf = (layers: HeaderLayer[], layer: string, field: string) => fieldsOf(layers, layer).find((f) => f.name === field)?.value;

const boxes = (svg: SvgNode, layer: string) =>
  walk(walk(svg).find((n) => n.attrs['data-layer'] === layer)!).filter((n) => n.tag === 'g' && hasClass(n, 'field'));
const box = (svg: SvgNode, layer: string, field: string) => boxes(svg, layer).filter((g) => g.attrs['data-field'] === field);
const rect = (g: SvgNode) => g.children.find((n) => n.tag === 'rect')!;
const text = (g: SvgNode, cls: string) => walk(g).find((n) => hasClass(n, cls))?.text;

test("a SYN/ACK over IPv6: RFC 8200's fields in order, with the packet's values", () => {
  const layers = headersOf('nmap6-sS.pcap', synAck);
  assert.deepEqual(layerNames(layers), ['IPv6', 'TCP']);
  assert.deepEqual(
    fieldsOf(layers, 'IPv6').map((f) => [f.name, f.bits]),
    [
      ['Version', 4],
      ['Traffic Class', 8],
      ['Flow Label', 20],
      ['Payload Length', 16],
      ['Next Header', 8],
      ['Hop Limit', 8],
      ['Source Address', 128],
      ['Destination Address', 128],
    ],
  );
  assert.equal(valueOf(layers, 'IPv6', 'Version'), '6');
  assert.equal(valueOf(layers, 'IPv6', 'Next Header'), '6 TCP');
  assert.equal(valueOf(layers, 'IPv6', 'Hop Limit'), '64');
  // TCP header with the MSS option: 24 bytes after the fixed header
  assert.equal(valueOf(layers, 'IPv6', 'Payload Length'), '24');
  assert.equal(valueOf(layers, 'IPv6', 'Source Address'), TARGET);
  assert.equal(valueOf(layers, 'IPv6', 'Destination Address'), SCANNER);
});

test('each IPv6 address is one box four rows tall, the whole address written in it; the header is ten rows', () => {
  const svg = buildHeaderDiagram(headersOf('nmap6-sS.pcap', synAck));
  const rows = new Map<number, number>();
  for (const g of boxes(svg, 'IPv6')) {
    const r = rect(g);
    const height = Number(r.attrs.height);
    const top = Number(r.attrs.y);
    const rowHeight = Number(rect(box(svg, 'IPv6', 'Version')[0]!).attrs.height);
    for (let k = 0; k < height / rowHeight; k++) rows.set(top + k * rowHeight, (rows.get(top + k * rowHeight) ?? 0) + Number(r.attrs.width) / BIT_WIDTH);
  }
  assert.deepEqual([...rows.values()], Array<number>(10).fill(32));
  for (const [name, address] of [
    ['Source Address', TARGET],
    ['Destination Address', SCANNER],
  ]) {
    const pieces = box(svg, 'IPv6', name!);
    assert.equal(pieces.length, 1, `${name} is one box`);
    assert.equal(Number(rect(pieces[0]!).attrs.width), 32 * BIT_WIDTH);
    assert.equal(Number(rect(pieces[0]!).attrs.height), 4 * Number(rect(box(svg, 'IPv6', 'Version')[0]!).attrs.height));
    assert.equal(text(pieces[0]!, 'value'), address);
  }
});

test("ICMPv6 port-unreachable: type, code, checksum and the unused word, under the target's IPv6 header", () => {
  const layers = headersOf('nmap6-sU.pcap', (d) => d.icmp6?.type === ICMPV6_DEST_UNREACH && d.icmp6.code === 4 && d.ip6?.src === TARGET);
  assert.deepEqual(layerNames(layers), ['IPv6', 'ICMPv6']);
  assert.equal(valueOf(layers, 'IPv6', 'Next Header'), '58 ICMPv6');
  assert.deepEqual(
    fieldsOf(layers, 'ICMPv6').map((f) => [f.name, f.bits, f.name === 'Checksum' ? '' : f.value]),
    [
      ['Type', 8, '1 Destination Unreachable'],
      ['Code', 8, '4'],
      ['Checksum', 16, ''],
      ['Unused', 32, '0x00000000'],
    ],
  );
});

test('a neighbour advertisement: its R, S, O flags, the target address and the link-layer address option', () => {
  const layers = headersOf('nmap6-sS.pcap', (d) => d.icmp6?.type === ICMPV6_NEIGHBOR_ADVERTISEMENT);
  assert.equal(valueOf(layers, 'IPv6', 'Hop Limit'), '255');
  const icmp = fieldsOf(layers, 'ICMPv6');
  assert.deepEqual(
    icmp.filter((f) => f.bits === 1).map((f) => [f.name, f.set]),
    [
      ['R', false],
      ['S', true],
      ['O', true],
    ],
  );
  assert.equal(valueOf(layers, 'ICMPv6', 'Target Address'), TARGET);
  assert.equal(valueOf(layers, 'ICMPv6', 'Options'), 'link-layer address 02:70:6c:f0:00:02');
  const svg = buildHeaderDiagram(layers);
  assert.deepEqual(
    boxes(svg, 'ICMPv6')
      .filter((g) => hasClass(g, 'set'))
      .map((g) => g.attrs['data-field']),
    ['S', 'O'],
  );
});

test('the header box in the page shows the IPv6 diagram (jsdom)', () => {
  const dom = new JSDOM('<!doctype html><html><body></body></html>');
  const g = globalThis as Record<string, unknown>;
  g.document = dom.window.document;
  const t: Translate = (key) => key;
  const element = headerBox({ layers: headersOf('nmap6-sS.pcap', synAck) }, t, 'headers');
  dom.window.document.body.appendChild(element);
  const svg = dom.window.document.querySelector('#headers svg.header-diagram')!;
  assert.ok(svg);
  assert.deepEqual(
    [...svg.querySelectorAll('g.layer')].map((l) => l.getAttribute('data-layer')),
    ['IPv6', 'TCP'],
  );
  const source = svg.querySelector('g.field[data-field="Source Address"] text.value');
  assert.equal(source?.textContent, TARGET);
});

const labels = LADDER_LABELS;

test('the ladder labels ICMPv6 answers as ICMPv6 and names the target as [address]:port', () => {
  const packet = (dir: 'out' | 'in', more: Partial<ExchangePacket>): ExchangePacket => ({
    dir,
    t: dir === 'out' ? 0 : 0.2,
    kind: 'udp',
    src: dir === 'out' ? SCANNER : TARGET,
    len: 48,
    ipVersion: 6,
    ...more,
  });
  const svg = buildLadder(
    {
      target: TARGET,
      port: 69,
      exchange: [packet('out', {}), packet('in', { kind: 'icmp', icmpType: 1, icmpCode: 4 })],
    },
    labels,
  );
  const arrowLabels = walk(svg)
    .filter((n) => n.tag === 'g' && hasClass(n, 'packet'))
    .map((g) => walk(g).find((n) => n.tag === 'text' && hasClass(n, 'label'))?.text);
  // an ICMP error names where it came from: it may be a router's
  assert.deepEqual(arrowLabels, ['UDP', `ICMPv6 1/4 ${TARGET}`]);
  assert.ok(walk(svg).some((n) => n.tag === 'text' && n.text === `target [${TARGET}]:69`));
});

test('the capture view groups an IPv6 capture by [address]:port, in numeric order', () => {
  const file = join(DIR, 'nmap6-sU.pcap');
  const shown = captureView(readCaptureFile(file), file, 'en');
  assert.ok('view' in shown);
  const titles = portGroups(shown.view, (key) => key).map((g) => g.title);
  assert.deepEqual(
    titles,
    [7, 53, 69, 123, 514].map((port) => `[${TARGET}]:${port}/udp`),
  );
  const sorted = ['2001:2::10', '198.18.0.10', '2001:2::9', '::1', '198.18.0.9'].sort((a, b) => addressOrder(a).localeCompare(addressOrder(b)));
  assert.deepEqual(sorted, ['198.18.0.9', '198.18.0.10', '::1', '2001:2::9', '2001:2::10']);
});
