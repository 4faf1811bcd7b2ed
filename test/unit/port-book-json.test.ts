// A port book writes its results' JSON text from its typed arrays (PortBook.resultsJson): byte for byte what
// JSON.stringify gives the same results built as objects (portResultJson), compact and pretty, for every kind
// of packet its exchange log holds and for addresses whose text needs escaping. Real scans of a lab check the
// same: test/integration/results-json.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PortBook } from '../../src/engine/port-book';
import type { LoggedPacket } from '../../src/engine/exchange-log';
import { portResultJson, type Technique } from '../../src/protocol';
import { TCP_ACK, TCP_RST, TCP_SYN } from '../../src/wire';

/** Strings JSON must escape: a quote, a backslash, control characters, a line separator, a lone surrogate. */
const ODD_ADDRESSES = ['fe80::1%e"th\\0', 'a\u0001b\nc\u2028d', 'x\ud800y', 'ünïcødé'];

function packet(over: Partial<LoggedPacket> & Pick<LoggedPacket, 'srcId'>): LoggedPacket {
  return { dir: 'out', tMs: 1.2345678, kind: 'tcp', len: 44, ...over };
}

/** A book of every shape: each port gets its own exchange, verdict and TTL (or none). */
function bookOfEveryShape(technique: Technique, target: string): PortBook {
  const ports = [22, 80, 41234, 53, 7, 65535, 1, 443, 3389];
  const book = new PortBook(technique, target, ports);
  const us = book.addressId('198.18.240.1');
  const them = book.addressId(target);
  const odd = ODD_ADDRESSES.map((a) => book.addressId(a));
  const exchanges: LoggedPacket[][] = [
    // open: SYN, SYN/ACK with window, the kernel's RST with a pcap frame
    [
      packet({ srcId: us, tcpFlags: TCP_SYN, retry: 0, frame: 1 }),
      packet({ dir: 'in', srcId: them, tMs: 3, tcpFlags: TCP_SYN | TCP_ACK, tcpWindow: 64240, frame: 2 }),
      packet({ srcId: us, tMs: 3.001, tcpFlags: TCP_RST, kernel: true, len: 40, frame: 3 }),
    ],
    // closed: RST/ACK with window 0
    [packet({ srcId: us, tcpFlags: TCP_SYN, retry: 0 }), packet({ dir: 'in', srcId: them, tcpFlags: TCP_RST | TCP_ACK, tcpWindow: 0, len: 40 })],
    // filtered: retransmissions, one past what a byte holds
    [
      packet({ srcId: us, tcpFlags: TCP_SYN, retry: 0 }),
      packet({ srcId: us, tMs: 1000.5, tcpFlags: TCP_SYN, retry: 1 }),
      packet({ srcId: us, tcpFlags: 0, retry: 300 }),
    ],
    // UDP out and in, IPv4
    [packet({ srcId: us, kind: 'udp', len: 28, retry: 0 }), packet({ dir: 'in', srcId: them, kind: 'udp', len: 60 })],
    // ICMP error from a router whose address needs escaping
    [packet({ srcId: us, kind: 'udp', len: 28 }), packet({ dir: 'in', srcId: odd[0]!, kind: 'icmp', icmp: { type: 3, code: 13 }, len: 56 })],
    // IPv6: ICMPv6 error, and an ICMP packet without type (another layer under the header)
    [
      packet({ srcId: odd[1]!, kind: 'tcp', tcpFlags: TCP_SYN, ipVersion: 6, len: 60 }),
      packet({ dir: 'in', srcId: odd[2]!, kind: 'icmp', icmp: { type: 1, code: 4 }, ipVersion: 6, len: 108 }),
      packet({ dir: 'in', srcId: odd[3]!, kind: 'icmp', ipVersion: 6, len: 48, tMs: 0 }),
    ],
    // an incoming TCP packet without a window, an outgoing one with a window (not kept)
    [packet({ dir: 'in', srcId: them, tcpFlags: 0xff }), packet({ srcId: us, tcpFlags: TCP_ACK, tcpWindow: 1024 })],
    // no exchange at all
    [],
    [packet({ srcId: us, tcpFlags: TCP_SYN, tMs: 1e21 })],
  ];
  const verdicts = [
    { state: 'open', reason: 'syn-ack' },
    { state: 'closed', reason: 'reset' },
    { state: 'filtered', reason: 'no-response' },
    { state: 'open', reason: 'udp-response' },
    { state: 'filtered', reason: 'admin-prohibited' },
    { state: 'closed|filtered', reason: 'port-unreach' },
    { state: 'unfiltered', reason: 'reset' },
    { state: 'open|filtered', reason: 'no-response' },
  ] as const;
  ports.forEach((_, i) => {
    for (const p of exchanges[i]!) book.recordPacket(i, p);
    // every port but the last is decided; a TTL on every other one
    if (i < ports.length - 1) book.decide(i, verdicts[i % verdicts.length]!, 0, i % 2 ? 64 : undefined);
  });
  book.reportDue(1, 0);
  return book;
}

const BOOKS = [bookOfEveryShape('syn', '198.18.240.2'), bookOfEveryShape('udp', '2001:2:0:240::2'), bookOfEveryShape('window', 'odd"target\\')];

for (const pretty of [false, true])
  test(`the book's ${pretty ? 'pretty' : 'compact'} JSON text of each result is portResultJson's`, () => {
    for (const book of BOOKS) {
      const built = [...book.results()].map((r) => portResultJson(r, pretty));
      assert.equal(built.length, 8, 'the decided ports only');
      assert.deepEqual([...book.resultsJson(pretty)], built);
    }
  });

test('bare results are the results without their exchanges, and `except` leaves out the states it names', () => {
  for (const book of BOOKS) {
    assert.deepEqual(
      [...book.bareResults()],
      [...book.results()].map(({ exchange: _exchange, ...bare }) => bare),
    );
    const except = new Set(['closed', 'filtered'] as const);
    const kept = [...book.results()].filter((r) => !except.has(r.state as 'closed' | 'filtered'));
    assert.deepEqual([...book.results(except)], kept);
    assert.deepEqual(
      [...book.bareResults(except)],
      kept.map(({ exchange: _exchange, ...bare }) => bare),
    );
  }
});

test("a book's exchanges come back as recorded when they span several of its log's chunks", () => {
  // 300 ports: the log expects 600 entries (chunks of 1024); 4 packets a port fill three chunks, interleaved
  const ports = Array.from({ length: 300 }, (_, i) => 1000 + i);
  const book = new PortBook('syn', '198.18.240.2', ports);
  const us = book.addressId('198.18.240.1');
  const them = book.addressId('198.18.240.2');
  for (let round = 0; round < 4; round++)
    ports.forEach((_, i) =>
      book.recordPacket(
        i,
        packet({ srcId: round % 2 ? them : us, dir: round % 2 ? 'in' : 'out', tMs: round * 1000 + i, tcpFlags: TCP_SYN, retry: round, len: 40 + round }),
      ),
    );
  ports.forEach((_, i) => book.decide(i, { state: 'filtered', reason: 'no-response' }, 0));
  book.reportDue(1, 0);
  const results = [...book.results()];
  assert.equal(results.length, 300);
  results.forEach((r, i) =>
    assert.deepEqual(
      r.exchange.map((p) => [p.t, p.src, p.len, p.retry]),
      [0, 1, 2, 3].map((round) => [round * 1000 + i, round % 2 ? '198.18.240.2' : '198.18.240.1', 40 + round, round]),
    ),
  );
});
