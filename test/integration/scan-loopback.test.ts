import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatExchange, TECHNIQUES, type PortState, type Reason, type Technique } from '../../src/protocol';
import { buildCli, nmapScan, portlabScan } from './scan-support';

const TARGET = '127.0.0.1';
const outRoot = mkdtempSync(join(tmpdir(), 'portlab-scan-lo-'));
let tcpListener: Server;
let udpEcho: UdpSocket;
let openTcp = 0;
let closedTcp = 0;
let openUdp = 0;
let closedUdp = 0;

/** A port that was free a moment ago: bound, noted, released. */
async function freeTcpPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, TARGET, r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, TARGET, r));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

before(async () => {
  await buildCli();
  tcpListener = createServer((c) => c.on('error', () => {}).end());
  await new Promise<void>((r) => tcpListener.listen(0, TARGET, r));
  openTcp = (tcpListener.address() as AddressInfo).port;
  udpEcho = createSocket('udp4');
  udpEcho.on('message', (msg, from) => udpEcho.send(msg.length > 0 ? msg : Buffer.from('echo'), from.port, from.address));
  await new Promise<void>((r) => udpEcho.bind(0, TARGET, r));
  openUdp = udpEcho.address().port;
  closedTcp = await freeTcpPort();
  closedUdp = await freeUdpPort();
});

after(async () => {
  tcpListener?.close();
  udpEcho?.close();
  rmSync(outRoot, { recursive: true, force: true });
});

// An idle scan needs three hosts: nmap refuses it against localhost, and so does PortLab (scan-idle.test.ts).
const EXPECTED: Record<Exclude<Technique, 'idle'>, { open: [PortState, Reason]; closed: [PortState, Reason] }> = {
  connect: { open: ['open', 'syn-ack'], closed: ['closed', 'conn-refused'] },
  syn: { open: ['open', 'syn-ack'], closed: ['closed', 'reset'] },
  xmas: { open: ['open|filtered', 'no-response'], closed: ['closed', 'reset'] },
  fin: { open: ['open|filtered', 'no-response'], closed: ['closed', 'reset'] },
  null: { open: ['open|filtered', 'no-response'], closed: ['closed', 'reset'] },
  udp: { open: ['open', 'udp-response'], closed: ['closed', 'port-unreach'] },
  // Linux resets a segment with ACK on any port (RFC 793), always with window 0
  ack: { open: ['unfiltered', 'reset'], closed: ['unfiltered', 'reset'] },
  window: { open: ['closed', 'reset'], closed: ['closed', 'reset'] },
  maimon: { open: ['closed', 'reset'], closed: ['closed', 'reset'] },
};

for (const technique of TECHNIQUES.filter((t) => t !== 'idle')) {
  test(`${technique} against 127.0.0.1: a listener and a closed port, as nmap sees them`, async () => {
    const [open, closed] = technique === 'udp' ? [openUdp, closedUdp] : [openTcp, closedTcp];
    const { byPort } = await portlabScan(undefined, TARGET, [open, closed], technique, join(outRoot, technique));
    const o = byPort.get(open);
    const c = byPort.get(closed);
    assert.deepEqual([o?.state, o?.reason], EXPECTED[technique].open, `open port: ${formatExchange(o?.exchange ?? [])}`);
    assert.deepEqual([c?.state, c?.reason], EXPECTED[technique].closed, `closed port: ${formatExchange(c?.exchange ?? [])}`);
    assert.equal(o!.exchange[0]?.dir, 'out', 'the exchange starts with our probe');
    assert.ok(
      c!.exchange.some((p) => p.dir === 'in'),
      'the closed port answered',
    );
    if (technique === 'syn') assert.equal(formatExchange(o!.exchange), 'S → SA → R(kernel)');

    const nmap = await nmapScan(undefined, TARGET, [open, closed], technique);
    assert.equal(o!.state, nmap.get(open), 'open port: portlab vs nmap');
    assert.equal(c!.state, nmap.get(closed), 'closed port: portlab vs nmap');
  });
}
