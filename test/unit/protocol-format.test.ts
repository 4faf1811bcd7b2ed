import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatExchange, tcpFlagLetters, type ExchangePacket } from '../../src/protocol';

const pkt = (p: Partial<ExchangePacket>): ExchangePacket => ({ dir: 'out', t: 0, kind: 'tcp', src: '198.18.0.1', len: 40, ...p });

test('TCP flag bits print in tcpdump order', () => {
  assert.equal(tcpFlagLetters(0x02), 'S');
  assert.equal(tcpFlagLetters(0x12), 'SA');
  assert.equal(tcpFlagLetters(0x14), 'RA');
  assert.equal(tcpFlagLetters(0x29), 'FPU');
  assert.equal(tcpFlagLetters(0), '');
});

test('an exchange prints in the textbook arrow notation', () => {
  assert.equal(formatExchange([pkt({ flags: 'S' }), pkt({ dir: 'in', flags: 'SA' }), pkt({ flags: 'R', kernel: true })]), 'S → SA → R(kernel)');
  assert.equal(formatExchange([pkt({ flags: '' }), pkt({ dir: 'in', kind: 'icmp', icmpType: 3, icmpCode: 13 })]), 'NULL → ICMP 3/13');
  assert.equal(formatExchange([pkt({ kind: 'udp' }), pkt({ dir: 'in', kind: 'udp' })]), 'UDP → UDP');
  assert.equal(formatExchange([]), '');
});
