import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { labDown, labUp, LAB_TRUTH } from '../../src/lab';
import { formatExchange, TECHNIQUES, type LabTruth, type Technique } from '../../src/protocol';
import { expectedLabVerdict } from '../../src/technique/lab-answer';
import { buildCli, CLI, exchangeMismatch, nmapInstalled, nmapScan, portlabScan, tsharkFrames } from './scan-support';

const ID = 21;
const NETNS = `portlab${ID}-scanner`;
const TARGET = `198.18.${ID}.2`;

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

/**
 * The target's ICMP errors come from one bucket (net.ipv4.icmp_ratelimit: six, one more a second) that every
 * technique's reject ports and nmap's run after it draw on. The TCP techniques read silence and ICMP alike as
 * filtered, so they do not wait for the bucket (nor does nmap) and only the reason tells: each starts after a
 * pause that gives back what the last one took. UDP, which rations its retransmissions and whose closed ports
 * empty the bucket, goes last. The idle scan needs the lab's zombie and reads no answer of the target's:
 * scan-idle.test.ts.
 */
const ICMP_REFILL_MS = 3000;
const ORDER = [...TECHNIQUES.filter((t) => t !== 'idle' && t !== 'udp'), 'udp' as const];

for (const [k, technique] of ORDER.entries()) {
  test(`${technique}: every lab port gets the expected state and reason, the same state as nmap, and its exchange in the pcap`, async (t) => {
    if (k > 0) await new Promise((resolve) => setTimeout(resolve, ICMP_REFILL_MS));
    const truth = LAB_TRUTH.filter((p) => p.protocol === (technique === 'udp' ? 'udp' : 'tcp'));
    const ports = truth.map((p) => p.port);
    const outDir = join(outRoot, technique);
    const { doc, saved, byPort } = await portlabScan(NETNS, TARGET, ports, technique, outDir);
    assert.deepEqual(saved.results, doc.results, '--out results.json holds the same results as --json');
    assert.equal(doc.results.length, ports.length, 'one result per port');
    assert.equal(doc.summary?.partial, false);

    for (const { port, truth: t } of truth) {
      const r = byPort.get(port);
      const { state, reason } = expectedLabVerdict(technique, t);
      assert.deepEqual([r?.state, r?.reason], [state, reason], `${technique} ${port} (${t}): ${formatExchange(r?.exchange ?? [])}`);
    }

    if (await nmapInstalled()) {
      const nmap = await nmapScan(NETNS, TARGET, ports, technique);
      for (const port of ports) assert.equal(byPort.get(port)?.state, nmap.get(port), `${technique} port ${port}: portlab vs nmap`);
    } else t.diagnostic('nmap is not installed: the comparison with nmap was skipped');

    const frames = await tsharkFrames(join(outDir, `${technique}.pcap`));
    for (const { port } of truth) {
      const r = byPort.get(port)!;
      assert.ok(r.exchange.length > 0, `${technique} ${port}: an exchange`);
      assert.equal(exchangeMismatch(r, frames), undefined, `${technique} ${port}: ${formatExchange(r.exchange)}`);
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
    assert.deepEqual(
      probes.map((p) => p.retry),
      probes.map((_, i) => i),
    );
  });
}

/**
 * nmap's --max-retries is a cap: a port gets at most 1 + N probes, and a silent one exactly that many.
 * Counted on the wire (the pcap), not in PortLab's own exchange: the scanner's probes to each port.
 * The lab's reject rules answer with ICMP, whose rate limit (6 at once, then 1/s) the UDP scan meets.
 */
const SCANNER = `198.18.${ID}.1`;
const DEFAULT_RETRIES: Partial<Record<Technique, number>> = { syn: 1, fin: 1, udp: 3 };
for (const technique of ['fin', 'udp', 'syn'] as const) {
  for (const maxRetries of [0, undefined]) {
    const label = maxRetries === undefined ? 'default retries' : `--max-retries ${maxRetries}`;
    test(`${technique} with ${label}: no port gets more probes on the wire than 1 + retries, a silent port exactly that many`, async () => {
      const truth = LAB_TRUTH.filter((p) => p.protocol === (technique === 'udp' ? 'udp' : 'tcp'));
      const outDir = join(outRoot, `probes-${technique}-${maxRetries ?? 'default'}`);
      const flag = { fin: '-sF', udp: '-sU', syn: '-sS' }[technique];
      const args = [
        'scan',
        TARGET,
        '-p',
        truth.map((p) => p.port).join(','),
        flag,
        '--json',
        '--out',
        outDir,
        ...(maxRetries === undefined ? [] : ['--max-retries', String(maxRetries)]),
      ];
      await promisify(execFile)('ip', ['netns', 'exec', NETNS, process.execPath, CLI, ...args], { timeout: 120_000, maxBuffer: 16 << 20 });
      // silent by the lab's truth, not by what the scan said: a dropping firewall, and for FIN an open port too
      const silentTruths: LabTruth[] = technique === 'fin' ? ['open', 'filtered-drop'] : ['filtered-drop'];
      const silent = new Set(truth.filter((p) => silentTruths.includes(p.truth)).map((p) => p.port));
      const frames = await tsharkFrames(join(outDir, `${technique}.pcap`));
      const probes = new Map<number, number>();
      for (const f of frames.values()) {
        // our probes: TCP or UDP from the scanner to the target; the scanner kernel's RST after a SYN/ACK is not one
        if (f.ipSrc !== SCANNER || f.icmp || f.proto === 'ARP' || (technique === 'syn' && f.tcpFlags !== TCP_SYN)) continue;
        probes.set(f.dstPort, (probes.get(f.dstPort) ?? 0) + 1);
      }
      const cap = 1 + (maxRetries ?? DEFAULT_RETRIES[technique]!);
      assert.deepEqual(
        [...probes.keys()].sort((a, b) => a - b),
        truth.map((p) => p.port).sort((a, b) => a - b),
        'every port probed, no other',
      );
      assert.deepEqual(
        [...probes].filter(([, k]) => k > cap),
        [],
        `no port above ${cap} probes: ${JSON.stringify([...probes])}`,
      );
      assert.ok(silent.size > 0, 'the lab has silent ports');
      for (const port of truth.map((p) => p.port)) {
        if (silent.has(port)) assert.equal(probes.get(port), cap, `${port} is silent: ${cap} probes`);
      }
    });
  }
}

/**
 * The pcap holds what went on the wire, with the wire's times: the ARP exchange that found the target's
 * MAC first (the request injected by the scan, then the reply), and each answer stamped when the kernel
 * captured it, not when the scan loop read it. Before, answers were stamped by JavaScript: on this veth
 * SYN → answer took 1.2-1.8 ms (median; up to 71 ms) in the pcap and 0.003 ms in tcpdump. Probes go to the
 * native send thread in batches and are stamped when queued: never later than tcpdump sees them leave.
 */
test('syn: the pcap starts with the ARP request and its reply, answers carry their capture times and probes their queueing times', async () => {
  const outDir = join(outRoot, 'wire-times');
  const wirePcap = join(outRoot, 'wire-times-tcpdump.pcap');
  // tcpdump on the scanner's interface beside the scan: the kernel's own times of the same segments. Immediate
  // mode: otherwise libpcap hands tcpdump a ring block only once it fills or a second passes, and the SIGINT
  // right after the scan lost the last block's segments (the last ~180 probes and answers, none counted dropped).
  const tcpdump = spawn('ip', ['netns', 'exec', NETNS, 'tcpdump', '-i', `pl${ID}s`, '-n', '-U', '--immediate-mode', '-w', wirePcap, 'tcp'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let said = '';
  try {
    await new Promise<void>((resolve, reject) => {
      tcpdump.stderr.on('data', (chunk: Buffer) => (said += chunk.toString()).includes('listening on') && resolve());
      tcpdump.once('exit', (code) => reject(new Error(`tcpdump exited (${code}): ${said}`)));
    });
    await promisify(execFile)('ip', ['netns', 'exec', NETNS, process.execPath, CLI, 'scan', TARGET, '-p', '1-2000', '-sS', '--out', outDir], {
      timeout: 120_000,
    });
  } finally {
    const exited = once(tcpdump, 'exit');
    tcpdump.kill('SIGINT');
    await exited;
  }
  const fields = ['frame.time_epoch', 'arp.opcode', 'arp.dst.proto_ipv4', 'ip.src', 'tcp.srcport', 'tcp.dstport', 'tcp.flags'];
  const rowsOf = async (pcap: string) => {
    const { stdout } = await promisify(execFile)('tshark', ['-r', pcap, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])], { maxBuffer: 64 << 20 });
    return stdout
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
  };
  const rows = await rowsOf(join(outDir, 'syn.pcap'));
  assert.deepEqual(
    rows.slice(0, 2).map(([, op, dst]) => [op, dst]),
    [
      ['1', TARGET],
      ['2', SCANNER],
    ],
    'ARP who-has the target, then its reply',
  );
  /**
   * each TCP segment's time (ms) by source, ports and flags: unique, as every try has its own source port (an ICMP
   * error quoting a segment, whose ip.src lists both headers' sources, is not one)
   */
  const timesOf = (of: string[][]) =>
    new Map(
      of
        .filter((r) => r[6] && !r[3]!.includes(','))
        .map(([time, , , src, sport, dport, flags]) => [`${src} ${sport}>${dport} ${Number(flags)}`, Number(time) * 1000]),
    );
  const ours = timesOf(rows);
  const wire = timesOf(await rowsOf(wirePcap));

  const gaps: number[] = [];
  const answerSkew: number[] = [];
  const probeLead: number[] = [];
  // tcpdump's own buffer overflows on a busy machine: what it says it dropped may be missing from its file
  const tcpdumpDropped = Number(/(\d+) packets? dropped by kernel/.exec(said)?.[1] ?? 0);
  const unseen: string[] = [];
  for (const [key, t] of ours) {
    const [src, ports, flags] = key.split(' ') as [string, string, string];
    const onWire = wire.get(key);
    if (onWire === undefined) {
      unseen.push(key);
      continue;
    }
    if (src === SCANNER && Number(flags) === TCP_SYN) {
      probeLead.push(onWire - t);
      const [sport, dport] = ports.split('>');
      const answer = [TCP_SYN_ACK, 0x14].map((f) => ours.get(`${TARGET} ${dport}>${sport} ${f}`)).find((a) => a !== undefined);
      if (answer !== undefined) gaps.push(answer - t);
    } else if (src === TARGET) answerSkew.push(Math.abs(onWire - t));
  }
  assert.ok(unseen.length <= tcpdumpDropped, `in our pcap, not in tcpdump's (which dropped ${tcpdumpDropped}): ${unseen.slice(0, 5).join(', ')}`);
  const expected = 2000 - 2;
  assert.ok(
    gaps.length <= expected && gaps.length >= expected - unseen.length,
    `an answer to every probe but the filtered ports (25 dropped, 110 rejected by ICMP): ${gaps.length} of ${expected}`,
  );
  // a probe's time is taken when it is queued, before it goes to the kernel, an answer's by the kernel: never before its probe
  assert.deepEqual(
    gaps.filter((g) => !(g >= 0)),
    [],
    'no answer earlier than its probe',
  );
  assert.deepEqual(
    probeLead.filter((lead) => !(lead >= 0)),
    [],
    'no probe stamped later than it left',
  );
  answerSkew.sort((a, b) => a - b);
  const median = answerSkew[answerSkew.length >> 1]!;
  assert.ok(median < 0.1, `answers stamped ${median.toFixed(4)} ms (median) from tcpdump's time (JavaScript's times were 1.2-1.8 ms late)`);
});

// nmap binds a connect scan's sockets to -e's device; Node cannot, and connect() follows the routing table.
test('connect: -e naming another interface than the route to the target is refused in one line', async () => {
  const scan = (iface: string) =>
    promisify(execFile)('ip', ['netns', 'exec', NETNS, process.execPath, CLI, 'scan', TARGET, '-p', '22', '-sT', '-e', iface, '--json'], { timeout: 60_000 });
  const refused = await scan('lo').then(
    () => assert.fail('a connect scan with -e lo ran'),
    (err: { code: number; stderr: string }) => err,
  );
  assert.equal(refused.code, 2);
  assert.equal(
    refused.stderr,
    `portlab: -e lo cannot steer a connect scan (-sT): connect() leaves by the routing table's interface (pl${ID}s for ${TARGET}); -e only steers the raw techniques (-sS, -sX, -sF, -sN, -sU, -sA, -sW, -sM, -sI)\n`,
  );
  const { stdout } = await scan(`pl${ID}s`);
  assert.equal((JSON.parse(stdout) as { results: { state: string }[] }).results[0]?.state, 'open', "-e naming the route's own interface scans");
});
