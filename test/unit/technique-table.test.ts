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
  'SYN/ACK': { kind: 'tcp', flags: TCP_SYN | TCP_ACK },
  'bare SYN': { kind: 'tcp', flags: TCP_SYN },
  RST: { kind: 'tcp', flags: TCP_RST },
  'RST/ACK': { kind: 'tcp', flags: TCP_RST | TCP_ACK },
  'ACK only': { kind: 'tcp', flags: TCP_ACK },
  'UDP answer': { kind: 'udp' },
  'ICMP 3/0': { kind: 'icmp', type: 3, code: 0, fromTarget: true },
  'ICMP 3/0 from a router': { kind: 'icmp', type: 3, code: 0, fromTarget: false },
  'ICMP 3/1': { kind: 'icmp', type: 3, code: 1, fromTarget: true },
  'ICMP 3/1 from a router': { kind: 'icmp', type: 3, code: 1, fromTarget: false },
  'ICMP 3/2': { kind: 'icmp', type: 3, code: 2, fromTarget: true },
  'ICMP 3/2 from a router': { kind: 'icmp', type: 3, code: 2, fromTarget: false },
  'ICMP 3/3': { kind: 'icmp', type: 3, code: 3, fromTarget: true },
  'ICMP 3/3 from a router': { kind: 'icmp', type: 3, code: 3, fromTarget: false },
  'ICMP 3/4': { kind: 'icmp', type: 3, code: 4, fromTarget: true },
  'ICMP 3/9': { kind: 'icmp', type: 3, code: 9, fromTarget: true },
  'ICMP 3/10': { kind: 'icmp', type: 3, code: 10, fromTarget: true },
  'ICMP 3/13': { kind: 'icmp', type: 3, code: 13, fromTarget: true },
  'ICMP 11/0 from a router': { kind: 'icmp', type: 11, code: 0, fromTarget: false },
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
} as const;

/** FIN, NULL and Xmas (man page): "If an RST packet is received, the port is considered closed, while no response means open|filtered." */
const STEALTH: Expected = {
  'SYN/ACK': undefined,
  'bare SYN': undefined,
  RST: 'closed reset',
  'RST/ACK': 'closed reset',
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
    'RST/ACK': 'closed reset',
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
    'RST/ACK': undefined,
    'ACK only': undefined,
    'UDP answer': 'open udp-response',
    ...TCP_ICMP,
    'ICMP 3/3': 'closed port-unreach',
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
    'RST/ACK': 'closed conn-refused',
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
    silence: 'filtered no-response',
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
  const handshake = {
    closed: 'S → RA = closed',
    filtered: 'S, S (retries), none / ICMP 3 = filtered',
    'open|filtered': 'S, S (retries), none / ICMP 3 = open|filtered',
  };
  const stealth = (probe: string) => ({
    open: `${probe}, none = open|filtered`,
    closed: `${probe} → RA = closed`,
    filtered: 'none / ICMP 3 = filtered or open|filtered',
    'open|filtered': `${probe}, none = open|filtered`,
  });
  assert.deepEqual(rows, {
    connect: { open: 'S → SA → A, teardown = open', ...handshake },
    syn: { open: 'S → SA → R = open', ...handshake },
    xmas: stealth('FPU'),
    fin: stealth('F'),
    null: stealth('NULL'),
    udp: {
      open: 'dgram → reply (or none: open|filtered) = open or open|filtered',
      closed: 'dgram → ICMP 3/3 = closed',
      filtered: 'none / ICMP 3 (other) = filtered or open|filtered',
      'open|filtered': 'dgram, none = open|filtered',
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
  const tcp = (flags: number) => (_: Uint8Array, ack: number) =>
    buildTcpPacket({ srcIp: TARGET, dstIp: US, srcPort: PORT, dstPort: BASE, seq: 777, ack: flags & TCP_ACK ? ack : 0, flags, window: 100 });
  const icmp = (src: string, type: number, code: number) => (probe: Uint8Array) =>
    encodeIPv4({ src, dst: US, protocol: IPPROTO_ICMP }, encodeIcmp({ type, code, payload: probe.subarray(0, 28) }));
  return [
    ...Object.entries({ 'SYN/ACK': TCP_SYN | TCP_ACK, 'bare SYN': TCP_SYN, RST: TCP_RST, 'RST/ACK': TCP_RST | TCP_ACK, 'ACK only': TCP_ACK }).map(
      ([name, flags]) => ({
        name,
        build: tcp(flags),
      }),
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

for (const technique of TECHNIQUES) {
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
