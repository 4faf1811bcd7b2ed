import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { labDown, labUp } from '../../src/lab';
import type { ScanDocument } from '../../src/protocol';
import { cliInNetns, NODE, rootSkip, run, topologyOf } from '../support/lab-env';

/**
 * A UDP scan that starts right after something else emptied the target's ICMP budget (Linux's default
 * limit: a burst of 6, then one error a second). Its first probes to closed ports meet silence, with no
 * error yet to show that a limit exists; they must not be called open|filtered. The bench's third S4 run
 * met this after nmap's scan (31 closed and 3 rejected ports open|filtered in 0.75 s).
 */
const ID = 65;
const topo = topologyOf(ID);
const TARGET = topo.target.address;

before(async () => {
  if (!rootSkip) await labUp(ID);
});
after(async () => {
  if (!rootSkip) await labDown(ID);
});

/** 40 datagrams to a closed port, answered by port-unreachables until the bucket is empty. */
async function drainIcmpBudget(): Promise<void> {
  const script = `const s = require('node:dgram').createSocket('udp4');
    let n = 0;
    const next = () => (n++ < 40 ? s.send(Buffer.alloc(1), 69, ${JSON.stringify(TARGET)}, next) : s.close());
    next();`;
  const [cmd, argv] = cliInNetns(topo.scanner.namespace, []);
  await run(cmd, [...argv.slice(0, argv.indexOf(NODE) + 1), '-e', script]);
}

test('a UDP scan started with the target ICMP budget emptied by someone else gives the right states', { skip: rootSkip, timeout: 180_000 }, async () => {
  await drainIcmpBudget();
  const [cmd, argv] = cliInNetns(topo.scanner.namespace, ['scan', TARGET, '-sU', '-p', '7,53,69,123,162,514,1900', '--json']);
  const doc = JSON.parse((await run(cmd, argv, { maxBuffer: 16 << 20 })).stdout) as ScanDocument;
  const states = Object.fromEntries(doc.results.map((r) => [r.port, `${r.state} ${r.reason}`]));
  assert.deepEqual(states, {
    7: 'open udp-response',
    53: 'open udp-response',
    69: 'closed port-unreach',
    123: 'open|filtered no-response',
    162: 'closed port-unreach',
    514: 'filtered admin-prohibited',
    1900: 'filtered admin-prohibited',
  });
});
