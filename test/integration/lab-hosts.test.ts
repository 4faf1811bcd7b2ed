import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { promisify } from 'node:util';
import { LAB_TRUTH, labDown, labTopology, labUp, STATELESS_TRUTH, type LabPortTruth } from '../../src/lab';
import type { DiscoveredHost, LabTruth } from '../../src/protocol';

const run = promisify(execFile);
const ID = 212;
const topo = labTopology(ID);
const CLI = resolve(__dirname, '..', '..', 'out', 'cli.js');
const LIMIT_MS = 120_000;
const skip = process.getuid?.() === 0 ? false : 'the lab sandbox needs root (network namespaces): run the integration tests as root';

/** nmap run in the scanner namespace; `flags` are nmap's own. */
async function nmap(flags: string[], target: string, ports: readonly number[]): Promise<string> {
  const { stdout } = await run(
    'ip',
    ['netns', 'exec', topo.scanner.namespace, 'nmap', '-n', '-Pn', '--reason', ...flags, '-p', ports.join(','), '-oX', '-', target],
    {
      timeout: LIMIT_MS,
    },
  );
  return stdout;
}

/** "port/protocol state reason" for each port of nmap's XML, sorted. */
function nmapStates(xml: string): string[] {
  const ports = [...xml.matchAll(/<port protocol="(\w+)" portid="(\d+)"><state state="([^"]+)" reason="([^"]+)"/g)];
  return ports.map(([, protocol, port, state, reason]) => `${port}/${protocol} ${state} ${reason}`).sort();
}

/** What nmap says of a lab port of each truth, by its man page's rules, for the techniques this lab is built to teach. */
const NMAP_SAYS: Record<'syn' | 'ack' | 'udp', Partial<Record<LabTruth, string>>> = {
  syn: {
    open: 'open syn-ack',
    closed: 'closed reset',
    'filtered-drop': 'filtered no-response',
    'filtered-reject': 'filtered admin-prohibited',
    'filtered-syn': 'filtered no-response',
  },
  // An ACK belongs to no connection: open and closed ports alike answer RST. Only a rule that drops it shows.
  ack: { open: 'unfiltered reset', closed: 'unfiltered reset', 'filtered-drop': 'filtered no-response', 'filtered-syn': 'unfiltered reset' },
  udp: {
    open: 'open udp-response',
    closed: 'closed port-unreach',
    'filtered-drop': 'open|filtered no-response',
    'filtered-reject': 'filtered admin-prohibited',
  },
};

function expected(truths: readonly LabPortTruth[], technique: keyof typeof NMAP_SAYS): string[] {
  return truths.map((p) => `${p.port}/${p.protocol} ${NMAP_SAYS[technique][p.truth]}`).sort();
}

const tcp = (truths: readonly LabPortTruth[]) => truths.filter((p) => p.protocol === 'tcp');
const udp = (truths: readonly LabPortTruth[]) => truths.filter((p) => p.protocol === 'udp');
const ports = (truths: readonly LabPortTruth[]) => truths.map((p) => p.port);

describe('the lab hosts, as nmap sees them', { skip, timeout: 10 * LIMIT_MS }, () => {
  before(async () => {
    await labDown(ID);
    const up = await labUp(ID);
    assert.equal(up.up, true, (up.problems ?? []).join('; '));
  });
  after(async () => {
    await labDown(ID);
  });

  test('discover of the /24 finds exactly the lab hosts, as nmap -sn does: the zombie twice (one MAC, two addresses)', async () => {
    const { stdout } = await run('ip', ['netns', 'exec', topo.scanner.namespace, process.execPath, CLI, 'discover', topo.subnet, '--json'], {
      timeout: LIMIT_MS,
    });
    const hosts = (JSON.parse(stdout) as DiscoveredHost[]).map((h) => `${h.address} ${h.mac ?? h.method}`);
    assert.deepEqual(hosts, [
      `${topo.scanner.address} localhost`,
      `${topo.target.address} ${topo.target.mac}`,
      `${topo.stateless.address} ${topo.stateless.mac}`,
      `${topo.zombie.address} ${topo.zombie.mac}`,
      `${topo.zombie.randomIpIdAddress} ${topo.zombie.mac}`,
    ]);
    const { stdout: xml } = await run('ip', ['netns', 'exec', topo.scanner.namespace, 'nmap', '-n', '-sn', '-oX', '-', topo.subnet], { timeout: LIMIT_MS });
    const nmapUp = [...xml.matchAll(/<address addr="([\d.]+)" addrtype="ipv4"\/>/g)].map(([, a]) => a);
    assert.deepEqual(nmapUp.sort(), hosts.map((h) => h.split(' ')[0]).sort());
  });

  for (const [family, address] of [
    ['IPv4', topo.stateless.address],
    ['IPv6', topo.stateless.address6],
  ] as const)
    test(`the stateless host over ${family}: port 80 is filtered to a SYN scan and unfiltered to an ACK scan`, async () => {
      const six = family === 'IPv6' ? ['-6'] : [];
      assert.deepEqual(nmapStates(await nmap([...six, '-sS'], address, ports(STATELESS_TRUTH))), expected(STATELESS_TRUTH, 'syn'));
      assert.deepEqual(nmapStates(await nmap([...six, '-sA'], address, ports(STATELESS_TRUTH))), expected(STATELESS_TRUTH, 'ack'));
    });

  test('the target over IPv6 has the same ports as over IPv4: nmap -6 -sS and -sU match the truth, as nmap -sS does over IPv4', async () => {
    const address6 = topo.target.address6;
    assert.deepEqual(nmapStates(await nmap(['-6', '-sS'], address6, ports(tcp(LAB_TRUTH)))), expected(tcp(LAB_TRUTH), 'syn'));
    // Closed UDP ports answer ICMPv6 1/4 as often as net.ipv6.icmp.ratelimit allows; nmap slows down for them.
    assert.deepEqual(nmapStates(await nmap(['-6', '-sU'], address6, ports(udp(LAB_TRUTH)))), expected(udp(LAB_TRUTH), 'udp'));
    assert.deepEqual(nmapStates(await nmap(['-sS'], topo.target.address, ports(tcp(LAB_TRUTH)))), expected(tcp(LAB_TRUTH), 'syn'));
  });

  test('the zombie: nmap -sI through 198.18.N.4 reads the target truthfully; 198.18.N.5 is refused for its random IP IDs', async () => {
    const target = tcp(LAB_TRUTH).filter((p) => [22, 23, 25, 110].includes(p.port));
    const xml = await nmap(['-sI', topo.zombie.address], topo.target.address, ports(target));
    // An idle scan tells open (the target's SYN/ACK made the zombie send a RST) from everything else.
    assert.deepEqual(nmapStates(xml), target.map((p) => `${p.port}/tcp ${p.truth === 'open' ? 'open ipid-change' : 'closed|filtered no-ipid-change'}`).sort());
    await assert.rejects(nmap(['-sI', topo.zombie.randomIpIdAddress], topo.target.address, [22, 23]), (err: { stdout?: string; stderr?: string }) => {
      assert.match(`${err.stdout ?? ''}${err.stderr ?? ''}`, /cannot be used because IP ID sequence class is: Randomized/);
      return true;
    });
  });
});
