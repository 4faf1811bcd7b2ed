import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labDown, labUp, LAB_TRUTH } from '../../src/lab';
import { formatExchange, TECHNIQUES, type LabTruth, type PortState, type Reason, type Technique } from '../../src/protocol';
import { buildCli, nmapScan, portlabScan, tsharkFrames } from './scan-support';

const ID = 21;
const NETNS = `portlab${ID}-scanner`;
const TARGET = `198.18.${ID}.2`;

/** DESIGN.md's state table applied to the lab's truth: state and nmap's reason for each technique. */
const EXPECTED: Record<Technique, Record<LabTruth, [PortState, Reason]>> = {
  connect: { open: ['open', 'syn-ack'], closed: ['closed', 'conn-refused'], 'filtered-drop': ['filtered', 'no-response'], 'filtered-reject': ['filtered', 'host-unreach'] },
  syn: { open: ['open', 'syn-ack'], closed: ['closed', 'reset'], 'filtered-drop': ['filtered', 'no-response'], 'filtered-reject': ['filtered', 'admin-prohibited'] },
  xmas: { open: ['open|filtered', 'no-response'], closed: ['closed', 'reset'], 'filtered-drop': ['open|filtered', 'no-response'], 'filtered-reject': ['filtered', 'admin-prohibited'] },
  fin: { open: ['open|filtered', 'no-response'], closed: ['closed', 'reset'], 'filtered-drop': ['open|filtered', 'no-response'], 'filtered-reject': ['filtered', 'admin-prohibited'] },
  null: { open: ['open|filtered', 'no-response'], closed: ['closed', 'reset'], 'filtered-drop': ['open|filtered', 'no-response'], 'filtered-reject': ['filtered', 'admin-prohibited'] },
  udp: { open: ['open', 'udp-response'], closed: ['closed', 'port-unreach'], 'filtered-drop': ['open|filtered', 'no-response'], 'filtered-reject': ['filtered', 'admin-prohibited'] },
};

/** The exchange an open port shows in the pcap, as TCP flag bytes (SYN, SYN/ACK, then our kernel's reset). */
const TCP_SYN = 0x02;
const TCP_RST = 0x04;
const TCP_SYN_ACK = 0x12;

const outRoot = mkdtempSync(join(tmpdir(), 'portlab-scan-lab-'));

before(async () => {
  await buildCli();
  await labUp(ID);
});

after(async () => {
  await labDown(ID);
  rmSync(outRoot, { recursive: true, force: true });
});

for (const technique of TECHNIQUES) {
  test(`${technique}: every lab port gets the expected state and reason, the same state as nmap, and a readable pcap`, async () => {
    const truth = LAB_TRUTH.filter((p) => p.protocol === (technique === 'udp' ? 'udp' : 'tcp'));
    const ports = truth.map((p) => p.port);
    const outDir = join(outRoot, technique);
    const { doc, saved, byPort } = await portlabScan(NETNS, TARGET, ports, technique, outDir);
    assert.deepEqual(saved.results, doc.results, '--out results.json holds the same results as --json');
    assert.equal(doc.results.length, ports.length, 'one result per port');
    assert.equal(doc.summary?.partial, false);

    for (const { port, truth: t } of truth) {
      const r = byPort.get(port);
      const [state, reason] = EXPECTED[technique][t];
      assert.deepEqual([r?.state, r?.reason], [state, reason], `${technique} ${port} (${t}): ${formatExchange(r?.exchange ?? [])}`);
    }

    const nmap = await nmapScan(NETNS, TARGET, ports, technique);
    for (const port of ports) assert.equal(byPort.get(port)?.state, nmap.get(port), `${technique} port ${port}: portlab vs nmap`);

    const frames = await tsharkFrames(join(outDir, `${technique}.pcap`));
    for (const { port } of truth) {
      for (const p of byPort.get(port)!.exchange) {
        assert.ok(p.frame !== undefined && frames.has(p.frame), `${technique} ${port}: every exchange packet is a frame of the pcap`);
      }
    }
    const openTcp = truth.find((p) => p.truth === 'open')!.port;
    if (technique === 'syn') {
      const flags = byPort.get(openTcp)!.exchange.map((p) => frames.get(p.frame!)!.tcpFlags);
      assert.deepEqual(flags, [TCP_SYN, TCP_SYN_ACK, TCP_RST], 'SYN to an open port: S → SA → R in the pcap');
      assert.equal(byPort.get(openTcp)!.exchange[2]!.kernel, true, "the R is the scanner kernel's");
    }
    // The lab's SSH listener speaks first: its banner (PA) comes before the reset, or crosses it and draws
    // the scanner kernel's R.
    if (technique === 'connect') assert.match(formatExchange(byPort.get(openTcp)!.exchange), /^S → SA → A\b.*RA( → PA → R)?$/);
    const reject = truth.find((p) => p.truth === 'filtered-reject')!.port;
    assert.ok(
      byPort.get(reject)!.exchange.some((p) => p.dir === 'in' && frames.get(p.frame!)!.icmp === '3/13'),
      `${technique}: the reject port's ICMP 3/13 is in the pcap`,
    );
    const drop = truth.find((p) => p.truth === 'filtered-drop')!.port;
    const probes = byPort.get(drop)!.exchange.filter((p) => p.dir === 'out');
    assert.ok(probes.length >= 2, `${technique}: a dropped probe is retransmitted (${formatExchange(probes)})`);
    assert.deepEqual(probes.map((p) => p.retry), probes.map((_, i) => i));
  });
}
