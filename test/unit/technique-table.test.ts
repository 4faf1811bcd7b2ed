import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TECHNIQUES, type ConnectOutcome, type Technique } from '../../src/protocol';
import { TECHNIQUE_TABLE, type Answer, type PortVerdict, type TextbookWords } from '../../src/technique';
import {
  buildTcpPacket,
  buildUdpPacket,
  decodeIPv4Packet,
  encodeEthernet,
  encodeIcmp,
  encodeIPv4,
  ETHERTYPE_IPV4,
  IPPROTO_ICMP,
  TCP_ACK,
  TCP_FIN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  TCP_URG,
} from '../../src/wire';
import { ProbeMatcher } from '../../src/engine/probe-matcher';
import { rebuildExchanges } from '../../src/analysis/capture';
import { readCapture } from '../../src/wire/pcap';
import { classifyWire } from '../../src/analysis/textbook';
import { pcapOf } from '../fixtures/report/synthetic';

/** Every kind of answer a probe can draw, as the engine hands it to the table. */
const ANSWERS = {
  'SYN/ACK': { kind: 'tcp', flags: TCP_SYN | TCP_ACK, window: 64240 },
  'bare SYN': { kind: 'tcp', flags: TCP_SYN, window: 64240 },
  RST: { kind: 'tcp', flags: TCP_RST, window: 0 },
  'RST, window > 0': { kind: 'tcp', flags: TCP_RST, window: 4096 },
  'RST/ACK': { kind: 'tcp', flags: TCP_RST | TCP_ACK, window: 0 },
  'RST/ACK, window > 0': { kind: 'tcp', flags: TCP_RST | TCP_ACK, window: 4096 },
  'ACK only': { kind: 'tcp', flags: TCP_ACK, window: 4096 },
  'UDP answer': { kind: 'udp' },
  'ICMP 3/0': { kind: 'icmp', ipVersion: 4, type: 3, code: 0, fromTarget: true },
  'ICMP 3/0 from a router': { kind: 'icmp', ipVersion: 4, type: 3, code: 0, fromTarget: false },
  'ICMP 3/1': { kind: 'icmp', ipVersion: 4, type: 3, code: 1, fromTarget: true },
  'ICMP 3/1 from a router': { kind: 'icmp', ipVersion: 4, type: 3, code: 1, fromTarget: false },
  'ICMP 3/2': { kind: 'icmp', ipVersion: 4, type: 3, code: 2, fromTarget: true },
  'ICMP 3/2 from a router': { kind: 'icmp', ipVersion: 4, type: 3, code: 2, fromTarget: false },
  'ICMP 3/3': { kind: 'icmp', ipVersion: 4, type: 3, code: 3, fromTarget: true },
  'ICMP 3/3 from a router': { kind: 'icmp', ipVersion: 4, type: 3, code: 3, fromTarget: false },
  'ICMP 3/4': { kind: 'icmp', ipVersion: 4, type: 3, code: 4, fromTarget: true },
  'ICMP 3/9': { kind: 'icmp', ipVersion: 4, type: 3, code: 9, fromTarget: true },
  'ICMP 3/10': { kind: 'icmp', ipVersion: 4, type: 3, code: 10, fromTarget: true },
  'ICMP 3/13': { kind: 'icmp', ipVersion: 4, type: 3, code: 13, fromTarget: true },
  'ICMP 11/0 from a router': { kind: 'icmp', ipVersion: 4, type: 11, code: 0, fromTarget: false },
  'ICMPv6 1/0': { kind: 'icmp', ipVersion: 6, type: 1, code: 0, fromTarget: true },
  'ICMPv6 1/1': { kind: 'icmp', ipVersion: 6, type: 1, code: 1, fromTarget: true },
  'ICMPv6 1/2': { kind: 'icmp', ipVersion: 6, type: 1, code: 2, fromTarget: true },
  'ICMPv6 1/3': { kind: 'icmp', ipVersion: 6, type: 1, code: 3, fromTarget: true },
  'ICMPv6 1/4': { kind: 'icmp', ipVersion: 6, type: 1, code: 4, fromTarget: true },
  'ICMPv6 1/4 from a router': { kind: 'icmp', ipVersion: 6, type: 1, code: 4, fromTarget: false },
  'ICMPv6 1/5': { kind: 'icmp', ipVersion: 6, type: 1, code: 5, fromTarget: true },
  'ICMPv6 1/6': { kind: 'icmp', ipVersion: 6, type: 1, code: 6, fromTarget: true },
  'ICMPv6 1/7': { kind: 'icmp', ipVersion: 6, type: 1, code: 7, fromTarget: true },
  'ICMPv6 2/0 from a router': { kind: 'icmp', ipVersion: 6, type: 2, code: 0, fromTarget: false },
  'ICMPv6 3/0 from a router': { kind: 'icmp', ipVersion: 6, type: 3, code: 0, fromTarget: false },
  'ICMPv6 4/0': { kind: 'icmp', ipVersion: 6, type: 4, code: 0, fromTarget: true },
  'ICMPv6 4/1': { kind: 'icmp', ipVersion: 6, type: 4, code: 1, fromTarget: true },
  'ICMPv6 4/2': { kind: 'icmp', ipVersion: 6, type: 4, code: 2, fromTarget: true },
} satisfies Record<string, Answer>;
type AnswerKind = keyof typeof ANSWERS;

/** "state reason", or undefined where the answer decides nothing and the scan keeps waiting. */
type Expected = Record<AnswerKind | 'silence', string | undefined>;

/**
 * nmap's man page, "Port Scanning Techniques": for SYN, FIN, NULL and Xmas scans an ICMP unreachable
 * error (type 3, code 0, 1, 2, 3, 9, 10 or 13) marks the port filtered, from whichever host it came.
 * Code 0 is in nmap's list since 7.x (net-unreach) and type 11 (time exceeded) is PortLab's choice,
 * also as nmap's reason table names it. Codes 4-8, 11, 12, 14 and 15 decide nothing.
 */
const TCP_ICMP = {
  'ICMP 3/0': 'filtered net-unreach',
  'ICMP 3/0 from a router': 'filtered net-unreach',
  'ICMP 3/1': 'filtered host-unreach',
  'ICMP 3/1 from a router': 'filtered host-unreach',
  'ICMP 3/2': 'filtered proto-unreach',
  'ICMP 3/2 from a router': 'filtered proto-unreach',
  'ICMP 3/3': 'filtered port-unreach',
  'ICMP 3/3 from a router': 'filtered port-unreach',
  'ICMP 3/4': undefined,
  'ICMP 3/9': 'filtered net-prohibited',
  'ICMP 3/10': 'filtered host-prohibited',
  'ICMP 3/13': 'filtered admin-prohibited',
  'ICMP 11/0 from a router': 'filtered time-exceeded',
  // ICMPv6 (nmap's scan_engine_raw.cc, get_pcap_result, and portreasons.cc, icmpv6_to_reason): destination
  // unreachable codes 0-6 filter the port, parameter problem 0 ("erroneous header field": the header was
  // understood) opens it and 1 filters it; time exceeded and packet too big are not read over IPv6.
  'ICMPv6 1/0': 'filtered no-route',
  'ICMPv6 1/1': 'filtered admin-prohibited',
  'ICMPv6 1/2': 'filtered beyond-scope',
  'ICMPv6 1/3': 'filtered host-unreach',
  'ICMPv6 1/4': 'filtered port-unreach',
  'ICMPv6 1/4 from a router': 'filtered port-unreach',
  'ICMPv6 1/5': 'filtered admin-prohibited',
  'ICMPv6 1/6': 'filtered reject-route',
  'ICMPv6 1/7': undefined,
  'ICMPv6 2/0 from a router': undefined,
  'ICMPv6 3/0 from a router': undefined,
  'ICMPv6 4/0': 'open param-problem',
  'ICMPv6 4/1': 'filtered param-problem',
  'ICMPv6 4/2': undefined,
} as const;

/** FIN, NULL and Xmas (man page): "If an RST packet is received, the port is considered closed, while no response means open|filtered." */
const STEALTH: Expected = {
  'SYN/ACK': undefined,
  'bare SYN': undefined,
  RST: 'closed reset',
  'RST, window > 0': 'closed reset',
  'RST/ACK': 'closed reset',
  'RST/ACK, window > 0': 'closed reset',
  'ACK only': undefined,
  'UDP answer': undefined,
  ...TCP_ICMP,
  silence: 'open|filtered no-response',
};

const EXPECTED: Record<Technique, Expected> = {
  // SYN (man page): "A SYN/ACK indicates the port is listening (open), while a RST (reset) is indicative
  // of a non-listener. If no response is received after several retransmissions, the port is marked as
  // filtered." A bare SYN is nmap's split handshake (reason split-handshake-syn).
  syn: {
    'SYN/ACK': 'open syn-ack',
    'bare SYN': 'open split-handshake-syn',
    RST: 'closed reset',
    'RST, window > 0': 'closed reset',
    'RST/ACK': 'closed reset',
    'RST/ACK, window > 0': 'closed reset',
    'ACK only': undefined,
    'UDP answer': undefined,
    ...TCP_ICMP,
    silence: 'filtered no-response',
  },
  fin: STEALTH,
  null: STEALTH,
  xmas: STEALTH,
  // UDP (man page): "If an ICMP port unreachable error (type 3, code 3) is returned, the port is closed.
  // Other ICMP unreachable errors (type 3, codes 0, 1, 2, 9, 10, or 13) mark the port as filtered. [...]
  // If a UDP response is received, the port is open. If no response is received after retransmissions,
  // the port is classified as open|filtered." Port-unreachable from a router says nothing about the
  // target's listener: filtered.
  udp: {
    'SYN/ACK': undefined,
    'bare SYN': undefined,
    RST: undefined,
    'RST, window > 0': undefined,
    'RST/ACK': undefined,
    'RST/ACK, window > 0': undefined,
    'ACK only': undefined,
    'UDP answer': 'open udp-response',
    ...TCP_ICMP,
    'ICMP 3/3': 'closed port-unreach',
    'ICMPv6 1/4': 'closed port-unreach',
    silence: 'open|filtered no-response',
  },
  // Connect: the OS ends connect() and the scan reads its errno. Linux: a SYN/ACK completes the call;
  // in SYN-SENT a RST counts only with an acknowledgement (RFC 793 p. 67) and means ECONNREFUSED; an
  // ICMP error becomes icmp_err_convert's errno for its code (tcp_v4_err; time exceeded: EHOSTUNREACH).
  // ENOPROTOOPT (3/2), fragmentation-needed (3/4, PMTU only) and other errors decide nothing.
  connect: {
    'SYN/ACK': 'open syn-ack',
    'bare SYN': undefined,
    RST: undefined,
    'RST, window > 0': undefined,
    'RST/ACK': 'closed conn-refused',
    'RST/ACK, window > 0': 'closed conn-refused',
    'ACK only': undefined,
    'UDP answer': undefined,
    'ICMP 3/0': 'filtered net-unreach',
    'ICMP 3/0 from a router': 'filtered net-unreach',
    'ICMP 3/1': 'filtered host-unreach',
    'ICMP 3/1 from a router': 'filtered host-unreach',
    'ICMP 3/2': undefined,
    'ICMP 3/2 from a router': undefined,
    'ICMP 3/3': 'closed conn-refused',
    'ICMP 3/3 from a router': 'closed conn-refused',
    'ICMP 3/4': undefined,
    'ICMP 3/9': 'filtered net-unreach',
    'ICMP 3/10': 'filtered host-unreach',
    'ICMP 3/13': 'filtered host-unreach',
    'ICMP 11/0 from a router': 'filtered host-unreach',
    // tcp_v6_err, icmpv6_err_convert: a SYN-SENT socket fails with the code's errno, packet too big only lowers the MTU
    'ICMPv6 1/0': 'filtered net-unreach',
    'ICMPv6 1/1': 'filtered admin-prohibited',
    'ICMPv6 1/2': 'filtered host-unreach',
    'ICMPv6 1/3': 'filtered host-unreach',
    'ICMPv6 1/4': 'closed conn-refused',
    'ICMPv6 1/4 from a router': 'closed conn-refused',
    'ICMPv6 1/5': 'filtered admin-prohibited',
    'ICMPv6 1/6': 'filtered admin-prohibited',
    'ICMPv6 1/7': undefined,
    'ICMPv6 2/0 from a router': undefined,
    'ICMPv6 3/0 from a router': 'filtered host-unreach',
    'ICMPv6 4/0': undefined,
    'ICMPv6 4/1': undefined,
    'ICMPv6 4/2': undefined,
    silence: 'filtered no-response',
  },
  // ACK (man page): "When scanning unfiltered systems, open and closed ports will both return a RST
  // packet. Nmap then labels them as unfiltered [...]. Ports that don't respond, or send certain ICMP
  // error messages back (type 3, code 0, 1, 2, 3, 9, 10, or 13), are labeled filtered."
  ack: {
    'SYN/ACK': undefined,
    'bare SYN': undefined,
    RST: 'unfiltered reset',
    'RST, window > 0': 'unfiltered reset',
    'RST/ACK': 'unfiltered reset',
    'RST/ACK, window > 0': 'unfiltered reset',
    'ACK only': undefined,
    'UDP answer': undefined,
    ...TCP_ICMP,
    silence: 'filtered no-response',
  },
  // Window (man page): "on some systems, open ports use a positive window size (even for RST packets)
  // while closed ones have a zero window. So instead of always listing a port as unfiltered when it
  // receives a RST back, Window scan lists the port as open or closed if the TCP Window value in that
  // reset is positive or zero, respectively."
  window: {
    'SYN/ACK': undefined,
    'bare SYN': undefined,
    RST: 'closed reset',
    'RST, window > 0': 'open reset',
    'RST/ACK': 'closed reset',
    'RST/ACK, window > 0': 'open reset',
    'ACK only': undefined,
    'UDP answer': undefined,
    ...TCP_ICMP,
    silence: 'filtered no-response',
  },
  // Maimon (man page): "exactly the same as NULL, FIN, and Xmas scan, except that the probe is FIN/ACK.
  // According to RFC 793 (TCP), a RST packet should be generated in response to such a probe whether
  // the port is open or closed. However, Uriel noticed that many BSD-derived systems simply drop the
  // packet if the port is open."
  maimon: STEALTH,
  // Idle (man page, and idle_scan.cc): no answer of the target's reaches the scanner, only the zombie's IP ID
  // (tested in idle-ipid.test.ts); ports that never showed a rise are closed|filtered (no-ipid-change).
  idle: {
    ...(Object.fromEntries(Object.keys(ANSWERS).map((k) => [k, undefined])) as Record<AnswerKind, undefined>),
    silence: 'closed|filtered no-ipid-change',
  },
};

const words = (v: PortVerdict | undefined) => (v ? `${v.state} ${v.reason}` : undefined);

for (const technique of TECHNIQUES) {
  test(`${technique}: every answer kind and silence classify as nmap documents`, () => {
    const entry = TECHNIQUE_TABLE[technique];
    const expected = EXPECTED[technique];
    for (const [kind, answer] of Object.entries(ANSWERS) as [AnswerKind, Answer][])
      assert.equal(words(entry.classify(answer)), expected[kind], `${technique}: ${kind}`);
    assert.equal(words(entry.noResponse), expected.silence, `${technique}: silence`);
  });
}

test("connect: the errno of each connect() outcome classifies as nmap's connect scan reports it", () => {
  const outcomes: [ConnectOutcome, string | undefined][] = [
    ['connected', 'open syn-ack'],
    ['ECONNREFUSED', 'closed conn-refused'],
    ['EHOSTUNREACH', 'filtered host-unreach'],
    ['ENETUNREACH', 'filtered net-unreach'],
    ['EACCES', 'filtered admin-prohibited'],
    ['EPERM', 'filtered admin-prohibited'],
    ['timeout', undefined],
    ['ENOPROTOOPT', undefined],
  ];
  for (const [outcome, expected] of outcomes) assert.equal(words(TECHNIQUE_TABLE.connect.classifyOutcome(outcome)), expected, outcome);
});

test('each entry names its technique as nmap and the course do, with its probe and retries', () => {
  const facts = Object.fromEntries(
    TECHNIQUES.map((t) => {
      const e = TECHNIQUE_TABLE[t];
      const probe = e.protocol === 'tcp' ? e.probe.flags : 'payload';
      return [t, [e.name, e.displayName, `-s${e.nmapFlag}`, e.nmapScanType, e.protocol, probe, e.defaultRetries]];
    }),
  );
  assert.deepEqual(facts, {
    connect: ['connect', 'Connect', '-sT', 'connect', 'tcp', TCP_SYN, 1],
    syn: ['syn', 'SYN', '-sS', 'syn', 'tcp', TCP_SYN, 1],
    xmas: ['xmas', 'Xmas', '-sX', 'xmas', 'tcp', TCP_FIN | TCP_PSH | TCP_URG, 1],
    fin: ['fin', 'FIN', '-sF', 'fin', 'tcp', TCP_FIN, 1],
    null: ['null', 'NULL', '-sN', 'null', 'tcp', 0, 1],
    udp: ['udp', 'UDP', '-sU', 'udp', 'udp', 'payload', 3],
    ack: ['ack', 'ACK', '-sA', 'ack', 'tcp', TCP_ACK, 1],
    window: ['window', 'Window', '-sW', 'window', 'tcp', TCP_ACK, 1],
    maimon: ['maimon', 'Maimon', '-sM', 'maimon', 'tcp', TCP_FIN | TCP_ACK, 1],
    // nmap writes no <scaninfo> for -sI; a count in doubt is a new round, never a resent SYN
    idle: ['idle', 'Idle', '-sI', undefined, 'tcp', TCP_SYN, 0],
  });
});

const WORDS: TextbookWords = {
  noAnswer: 'none',
  retries: 'retries',
  orNone: 'or none',
  answer: 'reply',
  datagram: 'dgram',
  teardown: 'teardown',
  other: 'other',
  spoofed: 'spoofed',
};

test('the textbook: each column names the expected exchange and the states that agree with it', () => {
  const rows = Object.fromEntries(
    TECHNIQUES.map((t) => [
      t,
      Object.fromEntries(
        Object.entries(TECHNIQUE_TABLE[t].textbook).map(([column, cell]) => [column, `${cell.expected(WORDS)} = ${cell.allows.join(' or ')}`]),
      ),
    ]),
  );
  const handshake = (open: string) => ({
    open: `${open} = open`,
    closed: 'S → RA = closed',
    filtered: 'S, S (retries), none / ICMP 3 = filtered',
    'open|filtered': 'S, S (retries), none / ICMP 3 = open|filtered',
    unfiltered: `${open} / S → RA = open or closed`,
    'closed|filtered': 'S → RA / S, S (retries), none / ICMP 3 = closed or filtered',
  });
  const stealth = (probe: string) => ({
    open: `${probe}, none = open|filtered`,
    closed: `${probe} → RA = closed`,
    filtered: 'none / ICMP 3 = filtered or open|filtered',
    'open|filtered': `${probe}, none = open|filtered`,
    unfiltered: `${probe}, none / ${probe} → RA = open|filtered or closed`,
    'closed|filtered': `${probe} → RA / none / ICMP 3 = closed or filtered or open|filtered`,
  });
  // The ACK and Window probes draw a RST from open and closed ports alike; only Window reads its window.
  const ackFiltered = 'A, A (retries), none / ICMP 3';
  assert.deepEqual(rows, {
    connect: handshake('S → SA → A, teardown'),
    syn: handshake('S → SA → R'),
    xmas: stealth('FPU'),
    fin: stealth('F'),
    null: stealth('NULL'),
    udp: {
      open: 'dgram → reply (or none: open|filtered) = open or open|filtered',
      closed: 'dgram → ICMP 3/3 = closed',
      filtered: 'none / ICMP 3 (other) = filtered or open|filtered',
      'open|filtered': 'dgram, none = open|filtered',
      unfiltered: 'dgram → reply / ICMP 3/3 = open or closed or open|filtered',
      'closed|filtered': 'dgram → ICMP 3/3 / none / ICMP 3 (other) = closed or filtered or open|filtered',
    },
    ack: {
      open: 'A → R = unfiltered',
      closed: 'A → R = unfiltered',
      filtered: `${ackFiltered} = filtered`,
      'open|filtered': `${ackFiltered} = open|filtered`,
      unfiltered: 'A → R = unfiltered',
      'closed|filtered': `A → R / ${ackFiltered} = unfiltered or filtered`,
    },
    window: {
      open: 'A → R (win > 0) = open',
      closed: 'A → R (win 0) = closed',
      filtered: `${ackFiltered} = filtered`,
      'open|filtered': `${ackFiltered} = open|filtered`,
      unfiltered: 'A → R = open or closed',
      'closed|filtered': `A → R (win 0) / ${ackFiltered} = closed or filtered`,
    },
    // Maimon's open row is the BSD stack he described; the RST answers an ACK, so it has no ACK itself.
    maimon: {
      open: 'FA, none = open|filtered',
      closed: 'FA → R = closed',
      filtered: 'none / ICMP 3 = filtered or open|filtered',
      'open|filtered': 'FA, none = open|filtered',
      unfiltered: 'FA, none / FA → R = open|filtered or closed',
      'closed|filtered': 'FA → R / none / ICMP 3 = closed or filtered or open|filtered',
    },
    // The zombie's RSTs with their IP IDs: n before the SYN, n+2 after it for an open port, n+1 otherwise.
    idle: {
      open: 'SA → R#n, S(spoofed) → SA → R#n+1, SA → R#n+2 = open',
      closed: 'SA → R#n, S(spoofed) → RA, SA → R#n+1 = closed|filtered',
      filtered: 'SA → R#n, S(spoofed), none / ICMP 3, SA → R#n+1 = closed|filtered',
      'open|filtered': 'SA → R#n, S(spoofed) → SA → R#n+1, SA → R#n+2 / SA → R#n, S(spoofed), none / ICMP 3, SA → R#n+1 = open or closed|filtered',
      unfiltered: 'SA → R#n, S(spoofed) → SA → R#n+1, SA → R#n+2 / SA → R#n, S(spoofed) → RA, SA → R#n+1 = open or closed|filtered',
      'closed|filtered': 'SA → R#n, S(spoofed) → RA, SA → R#n+1 / SA → R#n, S(spoofed), none / ICMP 3, SA → R#n+1 = closed|filtered',
    },
  });
});

// The report's check and the engine, fed the same packets: the engine matches the live frame to its
// probe and classifies it; the report rebuilds the exchange from a capture of the same frames.
const US = '198.18.21.1';
const TARGET = '198.18.21.2';
const ROUTER = '198.18.21.254';
const PORT = 80;
const BASE = 45000;
const US_MAC = '02:00:00:00:00:01';
const THEM_MAC = '02:00:00:00:00:02';

/** Every answer kind the wire can carry to one probe: TCP flag sets, a UDP reply, ICMP errors of every unreachable code from both senders. */
function wireAnswers(): { name: string; build(probe: Uint8Array, ack: number): Uint8Array }[] {
  const tcp = (flags: number, window: number) => (_: Uint8Array, ack: number) =>
    buildTcpPacket({ srcIp: TARGET, dstIp: US, srcPort: PORT, dstPort: BASE, seq: 777, ack: flags & TCP_ACK ? ack : 0, flags, window });
  const icmp = (src: string, type: number, code: number) => (probe: Uint8Array) =>
    encodeIPv4({ src, dst: US, protocol: IPPROTO_ICMP }, encodeIcmp({ type, code, payload: probe.subarray(0, 28) }));
  return [
    ...Object.entries({ 'SYN/ACK': TCP_SYN | TCP_ACK, 'bare SYN': TCP_SYN, RST: TCP_RST, 'RST/ACK': TCP_RST | TCP_ACK, 'ACK only': TCP_ACK }).flatMap(
      ([name, flags]) => [
        { name, build: tcp(flags, 100) },
        { name: `${name}, window 0`, build: tcp(flags, 0) },
      ],
    ),
    { name: 'UDP answer', build: () => buildUdpPacket({ srcIp: TARGET, dstIp: US, srcPort: PORT, dstPort: BASE, payload: new Uint8Array(4) }) },
    ...Array.from({ length: 16 }, (_, code) => [
      { name: `ICMP 3/${code}`, build: icmp(TARGET, 3, code) },
      { name: `ICMP 3/${code} from a router`, build: icmp(ROUTER, 3, code) },
    ]).flat(),
    { name: 'ICMP 11/0 from a router', build: icmp(ROUTER, 11, 0) },
    { name: 'ICMP 12/0', build: icmp(TARGET, 12, 0) },
  ];
}

const ether = (t: number, packet: Uint8Array, out: boolean) => ({
  t,
  frame: encodeEthernet(out ? THEM_MAC : US_MAC, out ? US_MAC : THEM_MAC, ETHERTYPE_IPV4, packet),
});

// The idle scan's answer is no packet matched to a probe but a zombie's IP ID rise: idle-capture.test.ts checks its report against its engine.
for (const technique of TECHNIQUES.filter((t) => t !== 'idle')) {
  test(`${technique}: the report's check of a capture and the engine agree on every answer and on silence`, () => {
    const entry = TECHNIQUE_TABLE[technique];
    // connect()'s SYN is the kernel's; its answers reach the same matching as the SYN scan's.
    const raw = technique === 'connect' ? TECHNIQUE_TABLE.syn : TECHNIQUE_TABLE[technique];
    const matcher = new ProbeMatcher(raw, [PORT], US, TARGET, 0x1234, BASE);
    const probe = raw.buildProbe({ srcIp: US, dstIp: TARGET, srcPort: matcher.sourcePort(0), dstPort: PORT, seq: matcher.seq(0, 0) });
    const ack = raw.expectedAck(matcher.seq(0, 0)) ?? 0;
    const report = (frames: Uint8Array[]) => {
      const pcap = pcapOf([ether(0, probe, true), ...frames.map((f, k) => ether(1 + k, f, false))]);
      const exchange = rebuildExchanges(readCapture(pcap), technique, [TARGET], [PORT]).exchanges.get(`${TARGET}:${PORT}`) ?? [];
      return words(classifyWire(technique, TARGET, exchange));
    };
    for (const { name, build } of wireAnswers()) {
      const answer = build(probe, ack);
      const m = matcher.match(decodeIPv4Packet(answer)!);
      const engine = words((m?.kind === 'answer' ? entry.classify(m.answer) : undefined) ?? entry.noResponse);
      assert.equal(report([answer]), engine, `${technique}: ${name}`);
    }
    assert.equal(report([]), words(entry.noResponse), `${technique}: silence`);
  });
}
