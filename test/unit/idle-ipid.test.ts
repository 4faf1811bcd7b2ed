import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ipIdDistance, ipIdSequenceClass, IPID_SEQUENCE_WORDS, TECHNIQUE_TABLE } from '../../src/technique';
import { IpIdSource, resetFor } from '../../src/link/zombie-reply';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../../src/wire';

// IP IDs of the RSTs that answered nmap 7.93's six zombie probes (-sI) in lab 221, read with tshark:
// the lab zombie's global counter (198.18.N.4), its random address (.5), and a Linux host (the scanner, .1).
const LAB_ZOMBIE = [0x3866, 0x3867, 0x3868, 0x3869, 0x386a, 0x386b];
const LAB_RANDOM = [0xa7c4, 0x574a, 0xaf6c, 0xc2ac, 0x3921, 0x4d73];
const LINUX = [0, 0, 0, 0, 0, 0];

test('nmap’s classes for the lab’s hosts, as nmap 7.93 named them (Incremental; Randomized; All zeros)', () => {
  assert.equal(ipIdSequenceClass(LAB_ZOMBIE), 'incremental');
  assert.equal(ipIdSequenceClass(LAB_RANDOM), 'randomized');
  assert.equal(ipIdSequenceClass(LINUX), 'all-zeros');
  assert.equal(IPID_SEQUENCE_WORDS[ipIdSequenceClass(LAB_RANDOM)], 'Randomized');
  assert.equal(IPID_SEQUENCE_WORDS[ipIdSequenceClass(LINUX)], 'All zeros');
});

test('the classes nmap’s identify_sequence tells apart', () => {
  // A busy zombie: gaps up to 9 still read as incremental (its own traffic between our probes).
  assert.equal(ipIdSequenceClass([100, 101, 104, 105, 113, 114]), 'incremental');
  // Windows before Vista sent its counter little-endian: each step is 256 on the wire.
  assert.equal(ipIdSequenceClass([0x0100, 0x0200, 0x0300, 0x0400, 0x0500, 0x0600]), 'broken-incremental');
  assert.equal(ipIdSequenceClass([10, 12, 14, 16, 18, 20]), 'incremental-by-2');
  assert.equal(ipIdSequenceClass([7, 7, 7, 7, 7, 7]), 'constant');
  assert.equal(ipIdSequenceClass([100, 1200, 2500, 3800, 5000, 6300]), 'random-positive-increments');
  assert.equal(ipIdSequenceClass([100, 111, 125, 140, 160, 170]), 'unknown');
  assert.equal(ipIdSequenceClass([5]), 'unknown');
  // A 16-bit counter wrapping between two probes keeps its class.
  assert.equal(ipIdSequenceClass([0xfffe, 0xffff, 0, 1, 2, 3]), 'incremental');
});

test('only predictable classes are usable zombies', () => {
  const { usableSequences } = TECHNIQUE_TABLE.idle;
  assert.deepEqual([...usableSequences].sort(), ['broken-incremental', 'incremental', 'incremental-by-2']);
  for (const refused of ['randomized', 'all-zeros', 'constant', 'random-positive-increments', 'unknown'] as const)
    assert.ok(!usableSequences.includes(refused));
});

test('the distance between two IP IDs by class, across the 16-bit wrap', () => {
  assert.equal(ipIdDistance('incremental', 0x3866, 0x3868), 2);
  assert.equal(ipIdDistance('incremental', 0xffff, 1), 2);
  assert.equal(ipIdDistance('broken-incremental', 0x0100, 0x0300), 2);
  assert.equal(ipIdDistance('incremental-by-2', 10, 14), 2);
  assert.equal(ipIdDistance('randomized', 1, 2), undefined);
});

test('the table’s rule: +1 beyond our probes for one port is open, no rise closed|filtered, a group that rose is split', () => {
  const { classify } = TECHNIQUE_TABLE.idle;
  assert.deepEqual(classify({ kind: 'ipid', rise: 1, ports: 1 }), { state: 'open', reason: 'ipid-change' });
  assert.deepEqual(classify({ kind: 'ipid', rise: 0, ports: 1 }), { state: 'closed|filtered', reason: 'no-ipid-change' });
  assert.deepEqual(classify({ kind: 'ipid', rise: 0, ports: 30 }), { state: 'closed|filtered', reason: 'no-ipid-change' });
  assert.equal(classify({ kind: 'ipid', rise: 2, ports: 30 }), undefined);
  assert.equal(classify({ kind: 'tcp', flags: TCP_SYN | TCP_ACK, window: 0 }), undefined);
});

test('the lab zombie answers as RFC 793 resets a segment to a closed port', () => {
  const payload = new Uint8Array(0);
  // nmap's zombie probe (SYN/ACK) and a target's SYN/ACK: RST, sequence number = their acknowledgement
  assert.deepEqual(resetFor({ flags: TCP_SYN | TCP_ACK, seq: 5, ack: 0x12345678, payload }), { flags: TCP_RST, seq: 0x12345678, ack: 0 });
  assert.deepEqual(resetFor({ flags: TCP_ACK, seq: 5, ack: 9, payload }), { flags: TCP_RST, seq: 9, ack: 0 });
  // a SYN: RST/ACK acknowledging it
  assert.deepEqual(resetFor({ flags: TCP_SYN, seq: 0xffffffff, ack: 0, payload }), { flags: TCP_RST | TCP_ACK, seq: 0, ack: 0 });
  assert.deepEqual(resetFor({ flags: TCP_FIN, seq: 10, ack: 0, payload: new Uint8Array(3) }), { flags: TCP_RST | TCP_ACK, seq: 0, ack: 14 });
  // a closed port's RST/ACK from the target costs the zombie nothing
  assert.equal(resetFor({ flags: TCP_RST | TCP_ACK, seq: 1, ack: 2, payload }), undefined);
});

test('the zombie’s IP IDs: one counter across destinations, wrapping at 2^16; random where asked', () => {
  const counter = new IpIdSource('global-counter', 0xfffe, () => 0);
  assert.deepEqual([counter.take(), counter.take(), counter.take()], [0xfffe, 0xffff, 0]);
  let k = 0;
  const random = new IpIdSource('random', 0, () => [0x1234, 0x9876][k++ % 2]!);
  assert.deepEqual([random.take(), random.take()], [0x1234, 0x9876]);
});
