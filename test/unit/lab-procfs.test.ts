import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSysctls } from '../../src/lab/describe';
import { cmdlineOf, isAlive, listeningPorts, packetSocketInterfaces, packetSockets, sameArgv } from '../../src/lab/processes';

// /proc/PID/net/tcp and /proc/PID/net/udp of a lab target's listener, with one client connected to 22.
const PROC_NET_TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 020A12C6:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 38254 1 0000000055d1fc8a 100 0 0 10 0
   1: 020A12C6:0035 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 37587 1 00000000380a7c43 100 0 0 10 5
   2: 020A12C6:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 38255 1 00000000dfdc2306 100 0 0 10 0
   3: 020A12C6:0016 010A12C6:99C6 01 00000000:00000000 00:00000000 00000000     0        0 38281 2 000000008faf1378 20 0 0 11 -1
`;
const PROC_NET_UDP = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
 4804: 020A12C6:0007 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 38256 2 00000000d9aac60f 0
 4850: 020A12C6:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 37586 2 00000000ff81dde1 0
 4900: 020A12C6:1F90 010A12C6:99C6 01 00000000:00000000 00:00000000 00000000     0        0 37590 2 00000000ff81ddf1 0
`;

test('listeningPorts reads listening TCP sockets and bound UDP sockets, not connections', () => {
  assert.deepEqual(
    [...listeningPorts(PROC_NET_TCP, 'tcp')].sort((a, b) => a - b),
    [22, 53, 80],
  );
  assert.deepEqual(
    [...listeningPorts(PROC_NET_UDP, 'udp')].sort((a, b) => a - b),
    [7, 53],
  );
  assert.deepEqual([...listeningPorts('', 'tcp')], []);
});

test('parseSysctls reads sysctl output', () => {
  assert.deepEqual(parseSysctls('net.ipv4.icmp_ratelimit = 1000\nnet.ipv4.icmp_ratemask = 6168\n'), {
    'net.ipv4.icmp_ratelimit': '1000',
    'net.ipv4.icmp_ratemask': '6168',
  });
});

test('cmdlineOf and isAlive follow a real process from start to exit', async () => {
  const child = spawn('sleep', ['30']);
  await once(child, 'spawn');
  const pid = child.pid ?? 0;
  // 'spawn' may come before the child's exec on a loaded machine; until then /proc shows node's argv.
  for (let i = 0; i < 100 && !sameArgv(cmdlineOf(pid), ['sleep', '30']); i++) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(cmdlineOf(pid), ['sleep', '30']);
  assert.equal(sameArgv(cmdlineOf(pid), ['sleep', '30']), true);
  assert.equal(sameArgv(cmdlineOf(pid), ['sleep', '31']), false);
  assert.equal(isAlive(pid), true);
  child.kill('SIGKILL');
  await once(child, 'exit');
  assert.equal(isAlive(pid), false);
  assert.equal(cmdlineOf(pid), undefined);
});

// /proc/PID/net/packet of the lab's zombie responder (libpcap bound to pl210z, ifindex 2), and a socket bound to none.
const PACKET_TABLE = `sk               RefCnt Type Proto  Iface R Rmem   User   Inode
000000005defbddf 3      3    0003   2     1 0      0      2964640
00000000a1b2c3d4 3      3    0003   0     1 0      0      2964700
`;

test('packet sockets by inode, with the interface each is bound to', () => {
  assert.deepEqual(
    packetSockets(PACKET_TABLE),
    new Map([
      [2964640, 2],
      [2964700, 0],
    ]),
  );
  assert.deepEqual(packetSockets('sk RefCnt Type Proto Iface R Rmem User Inode\n'), new Map());
});

test('a process without packet sockets, or one that is gone, holds none', () => {
  assert.deepEqual(packetSocketInterfaces(process.pid), new Set());
  assert.deepEqual(packetSocketInterfaces(0x7ffffffe), new Set());
});
