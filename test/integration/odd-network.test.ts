import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { labDown, labUp } from '../../src/lab';
import { formatExchange, type PortResult, type ScanDocument } from '../../src/protocol';
import { cliInNetns, exitOf, rootSkip, run, topologyOf, tsharkFrames } from '../support/lab-env';

/**
 * Odd network behaviour on the wire (issue 7, item 4): in lab 64 the target's kernel drops ports
 * 40001-40019 (nft) and test/support/odd-responder.py answers SYNs to them from a packet socket the way
 * broken stacks and middleboxes do. PortLab's SYN scan must give the engineered truth, and where nmap
 * sees the same answers in time, nmap's states too.
 */
const ID = 64;
const topo = topologyOf(ID);
const TARGET = topo.target.address;
const OTHER_SRC = `198.18.${ID}.3`;
const RESPONDER = resolve(__dirname, '..', 'support', 'odd-responder.py');
const MIDDLEBOX = Array.from({ length: 10 }, (_, i) => 40010 + i);

/** port → [what the responder does, the true state and reason for a SYN scan] */
const PLAN: [number, string, string][] = [
  [22, 'the real sshd, for an RTT sample', 'open syn-ack'],
  [40001, 'SYN/ACK 600 ms late, after the timeout and the retry', 'filtered no-response'],
  [40002, 'SYN/ACK three times', 'open syn-ack'],
  [40003, 'RST/ACK three times', 'closed reset'],
  [40004, `SYN/ACK from ${OTHER_SRC}, not the target`, 'filtered no-response'],
  [40005, 'RST with ACK', 'closed reset'],
  [40006, 'RST without ACK', 'closed reset'],
  [40007, 'ICMP admin-prohibited quoting a probe never sent', 'filtered no-response'],
  ...MIDDLEBOX.map((p): [number, string, string] => [p, 'a middlebox SYN/ACK for every port', 'open syn-ack']),
];
/** The late answer is left out of the nmap comparison: nmap's first timeout (1 s) is longer than the delay. */
const COMPARED_WITH_NMAP = PLAN.map(([p]) => p).filter((p) => p !== 40001);

const work = mkdtempSync(join(tmpdir(), 'portlab-odd-'));
let responder: ChildProcess | undefined;

async function nmapStates(ports: number[]): Promise<Map<number, string>> {
  const { stdout } = await run(
    'ip',
    ['netns', 'exec', topo.scanner.namespace, 'nmap', '-sS', '-Pn', '-n', '--reason', '--max-retries', '1', '-p', ports.join(','), '-oX', '-', TARGET],
    {
      timeout: 60_000,
    },
  );
  const states = new Map<number, string>();
  for (const m of stdout.matchAll(/<port protocol="tcp" portid="(\d+)"><state state="([^"]+)" reason="([^"]+)"/g)) states.set(Number(m[1]), `${m[2]} ${m[3]}`);
  return states;
}

describe('odd network behaviour on the wire, lab 64', { skip: rootSkip, timeout: 180_000 }, () => {
  let doc: ScanDocument;
  const byPort = new Map<number, PortResult>();
  const pcap = join(work, 'syn.pcap');

  before(async () => {
    await labUp(ID);
    await run('ip', ['-n', topo.target.namespace, 'addr', 'add', `${OTHER_SRC}/24`, 'dev', topo.target.iface]);
    // The target's own kernel must stay silent on these ports: only the responder answers.
    await run('ip', [
      'netns',
      'exec',
      topo.target.namespace,
      'nft',
      'add table inet portlab_odd; add chain inet portlab_odd input { type filter hook input priority -50; }; add rule inet portlab_odd input tcp dport 40001-40019 drop',
    ]);
    responder = spawn('ip', ['netns', 'exec', topo.target.namespace, '/usr/bin/python3', RESPONDER, topo.target.iface, OTHER_SRC, '120'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await new Promise<void>((ready, fail) => {
      const timer = setTimeout(() => fail(new Error('the responder did not start in 20 s')), 20_000);
      responder!.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && (clearTimeout(timer), ready()));
      responder!.on('exit', (code) => fail(new Error(`the responder exited (${code})`)));
    });
    const [cmd, args] = cliInNetns(topo.scanner.namespace, [
      'scan',
      TARGET,
      '-p',
      PLAN.map(([p]) => p).join(','),
      '-sS',
      '--rate',
      '10',
      '--max-retries',
      '1',
      '--json',
      '--out',
      work,
    ]);
    const { stdout } = await run(cmd, args, { timeout: 60_000 });
    doc = JSON.parse(stdout) as ScanDocument;
    for (const r of doc.results) byPort.set(r.port, r);
  });
  after(async () => {
    if (responder?.pid && responder.exitCode === null) {
      responder.kill('SIGKILL');
      await exitOf(responder, 5000).catch(() => undefined);
    }
    await labDown(ID);
    rmSync(work, { recursive: true, force: true });
  });

  /** Each behaviour is its own test: its ports' state and reason, and the packets that made it, on the wire. */
  const behaviours: { name: string; ports: number[]; onTheWire?: () => Promise<void> }[] = [
    { name: 'a real service (the RTT sample)', ports: [22] },
    {
      name: 'an answer after the timeout',
      ports: [40001],
      onTheWire: async () => {
        assert.ok((await tsharkFrames(pcap, 'tcp.srcport == 40001 && tcp.flags.syn == 1 && tcp.flags.ack == 1')) >= 1, 'the late SYN/ACK reached the capture');
        assert.doesNotMatch(exchange(40001), /SA/, 'an answer after the port was decided is not part of its exchange');
      },
    },
    {
      name: 'a duplicated SYN/ACK',
      ports: [40002],
      onTheWire: async () => assert.ok((exchange(40002).match(/\bSA\b/g) ?? []).length >= 2, `duplicates recorded: ${exchange(40002)}`),
    },
    {
      name: 'a duplicated RST/ACK',
      ports: [40003],
      onTheWire: async () => assert.ok((await tsharkFrames(pcap, 'tcp.srcport == 40003 && tcp.flags.reset == 1')) >= 3, 'three RSTs for 40003'),
    },
    {
      name: 'a SYN/ACK from another address than the target',
      ports: [40004],
      onTheWire: async () => assert.doesNotMatch(exchange(40004), /SA/, "a SYN/ACK from another address is not the port's answer"),
    },
    {
      name: 'RST with ACK',
      ports: [40005],
      onTheWire: async () => assert.ok((await tsharkFrames(pcap, 'tcp.srcport == 40005 && tcp.flags.reset == 1 && tcp.flags.ack == 1')) >= 1),
    },
    {
      name: 'RST without ACK',
      ports: [40006],
      onTheWire: async () =>
        assert.ok((await tsharkFrames(pcap, 'tcp.srcport == 40006 && tcp.flags.reset == 1 && tcp.flags.ack == 0')) >= 1, 'a RST without ACK'),
    },
    {
      name: 'an ICMP error quoting a probe never sent',
      ports: [40007],
      onTheWire: async () =>
        assert.ok((await tsharkFrames(pcap, 'icmp.type == 3 && icmp.code == 13 && tcp.dstport == 40007')) >= 1, 'the ICMP error quoting a foreign probe'),
    },
    {
      name: "a middlebox answering SYN/ACK for every port (masscan's false positive)",
      ports: MIDDLEBOX,
      // The probe may be retransmitted before a slow middlebox answers; what matters is that its SYN/ACK is the answer recorded.
      onTheWire: async () => MIDDLEBOX.forEach((p) => assert.match(exchange(p), /^S( → S)* → SA/)),
    },
  ];
  const exchange = (p: number) => formatExchange(byPort.get(p)!.exchange);
  const wrongStates = new Set<number>();

  for (const b of behaviours) {
    test(`${b.name}: ${b.ports.length > 1 ? `${b.ports.length} ports get their` : `port ${b.ports[0]} gets its`} true state`, async () => {
      assert.equal(doc.summary?.partial, false);
      for (const p of b.ports) {
        const truth = PLAN.find(([port]) => port === p)![2];
        const got = `${byPort.get(p)?.state} ${byPort.get(p)?.reason}`;
        if (got !== truth) wrongStates.add(p);
        assert.equal(got, truth, `port ${p}: ${exchange(p)}`);
      }
      await b.onTheWire?.();
    });
  }

  test('nmap on the same wire gives the same states (the middlebox fools both alike)', async () => {
    const nmap = await nmapStates(COMPARED_WITH_NMAP);
    assert.equal(nmap.size, COMPARED_WITH_NMAP.length, 'nmap reported every port');
    for (const p of COMPARED_WITH_NMAP) assert.equal(nmap.get(p)?.split(' ')[0], byPort.get(p)?.state, `port ${p}: nmap ${nmap.get(p)}`);
  });

  test('every planned port was tested', () => {
    assert.deepEqual(
      behaviours.flatMap((b) => b.ports).sort((a, b) => a - b),
      PLAN.map(([p]) => p).sort((a, b) => a - b),
    );
    process.stdout.write(`# odd behaviours tested: ${behaviours.length - 1} kinds on ${PLAN.length - 1} ports, wrong states: ${wrongStates.size}\n`);
  });
});
