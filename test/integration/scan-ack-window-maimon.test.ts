// Root: lab 200. The ACK, Window and Maimon scans (-sA, -sW, -sM) against every TCP port kind of the lab's
// target and of its stateless host: state and reason as the lab's truth gives them through the technique
// table, the same as nmap 7.93 run on the same ports, the probes' flags and the answers' windows on the wire
// (tshark), and the report that explains, from those captured windows and flags, why Linux shows every port
// closed to the Window and Maimon scans.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { labDown, labStatus, labTopology, labUp, LAB_TRUTH, STATELESS_TRUTH } from '../../src/lab';
import { formatExchange, tcpFlagLetters, type LabTruth } from '../../src/protocol';
import { NMAP_FLAG, TECHNIQUE_TABLE } from '../../src/technique';
import { expectedLabVerdict } from '../../src/technique/lab-answer';
import { parseNmapXml } from '../../src/report/nmap';
import { messagesFor } from '../../src/report/i18n';
import { buildCli, CLI, exchangeMismatch, portlabScan, tsharkFrames } from './scan-support';

const run = promisify(execFile);
const ID = 200;
const topo = labTopology(ID);
const NETNS = topo.scanner.namespace;
const TECHNIQUES = ['ack', 'window', 'maimon'] as const;
const LIMIT_MS = 180_000;

const outRoot = mkdtempSync(join(tmpdir(), 'portlab-ack-window-maimon-'));

/** The lab's hosts with TCP ports of known truth: the target, and the host behind the stateless firewall (the ACK scan's lesson). */
const hosts: { name: string; address: string; truth: { port: number; truth: LabTruth }[] }[] = [
  { name: 'target', address: topo.target.address, truth: LAB_TRUTH.filter((p) => p.protocol === 'tcp') },
  { name: 'stateless host', address: topo.stateless.address, truth: STATELESS_TRUTH.filter((p) => p.protocol === 'tcp') },
];

before(async () => {
  await buildCli();
  const lab = await labUp(ID);
  assert.ok(
    lab.hosts.some((h) => h.role === 'stateless' && h.address === topo.stateless.address),
    'the lab has its stateless host',
  );
});

after(async () => {
  await labDown(ID);
  rmSync(outRoot, { recursive: true, force: true });
});

/** nmap's state and reason per port, from its XML, run from the lab's scanner like the scan. */
async function nmapAnswers(technique: (typeof TECHNIQUES)[number], address: string, ports: number[]): Promise<Map<number, string>> {
  const args = ['netns', 'exec', NETNS, 'nmap', `-s${NMAP_FLAG[technique]}`, '-Pn', '-n', '--reason', '-p', ports.join(','), '-oX', '-', address];
  const { stdout } = await run('ip', args, { timeout: LIMIT_MS, maxBuffer: 16 << 20 });
  const xml = parseNmapXml(stdout);
  assert.ok(xml, `nmap -s${NMAP_FLAG[technique]} gave no XML`);
  assert.match(stdout, new RegExp(`<scaninfo type="${TECHNIQUE_TABLE[technique].nmapScanType}"`));
  return new Map(ports.map((p) => [p, `${xml.ports.get(`${address}:${p}`)?.state} ${xml.ports.get(`${address}:${p}`)?.reason}`]));
}

/** Each TCP segment of a pcap: frame → flags and window, as tshark reads them. */
async function tcpSegments(pcap: string): Promise<Map<number, { flags: number; window: number; src: string }>> {
  const fields = ['frame.number', 'tcp.flags', 'tcp.window_size_value', 'ip.src'];
  const { stdout } = await run('tshark', ['-r', pcap, '-Y', 'tcp', '-T', 'fields', ...fields.flatMap((f) => ['-e', f])], { timeout: LIMIT_MS });
  const segments = new Map<number, { flags: number; window: number; src: string }>();
  for (const line of stdout.trim().split('\n').filter(Boolean)) {
    const [frame, flags, window, src] = line.split('\t');
    segments.set(Number(frame), { flags: Number(flags), window: Number(window), src: src! });
  }
  return segments;
}

for (const technique of TECHNIQUES) {
  test(`-s${NMAP_FLAG[technique]}: every lab port kind gets the lab's state and reason, nmap's too, and its probes and answers are on the wire`, async () => {
    const entry = TECHNIQUE_TABLE[technique];
    assert.equal(entry.protocol, 'tcp');
    for (const host of hosts) {
      const ports = host.truth.map((p) => p.port);
      const outDir = join(outRoot, `${technique}-${host.address}`);
      const { doc, byPort } = await portlabScan(NETNS, host.address, ports, technique, outDir);
      assert.equal(doc.summary?.partial, false);
      const nmap = await nmapAnswers(technique, host.address, ports);
      const segments = await tcpSegments(join(outDir, `${technique}.pcap`));
      const frames = await tsharkFrames(join(outDir, `${technique}.pcap`));
      for (const { port, truth } of host.truth) {
        const r = byPort.get(port);
        const at = `${host.name} ${port} (${truth}): ${formatExchange(r?.exchange ?? [])}`;
        const { state, reason } = expectedLabVerdict(technique, truth);
        assert.deepEqual([r?.state, r?.reason], [state, reason], `${at}: the lab's truth`);
        assert.equal(`${r!.state} ${r!.reason}`, nmap.get(port), `${at}: nmap`);
        assert.equal(exchangeMismatch(r!, frames), undefined, at);
        for (const p of r!.exchange) {
          const segment = segments.get(p.frame!);
          if (p.dir === 'out') assert.equal(segment?.flags, entry.probe.flags, `${at}: probe frame ${p.frame} is ${tcpFlagLetters(entry.probe.flags)}`);
          // the window the table read is the window on the wire
          else if (p.kind === 'tcp') assert.equal(p.window, segment?.window, `${at}: window of frame ${p.frame}`);
        }
      }
    }
  });
}

test('the report explains from the captured windows and flags why Linux shows every port closed to -sW and -sM', async () => {
  const outDir = join(outRoot, 'report');
  const tcp = LAB_TRUTH.filter((p) => p.protocol === 'tcp');
  const ports = tcp.map((p) => p.port).join(',');
  await run('ip', ['netns', 'exec', NETNS, process.execPath, CLI, 'scan', topo.target.address, '-p', ports, '-sA', '-sW', '-sM', '--out', outDir], {
    timeout: LIMIT_MS,
  });
  assert.equal((await labStatus(ID)).up, true);
  await run(process.execPath, [CLI, 'report', outDir], { timeout: LIMIT_MS });
  const report = readFileSync(join(outDir, 'report.md'), 'utf8');
  const m = messagesFor('en');
  const section = (technique: (typeof TECHNIQUES)[number]) => {
    const start = report.indexOf(`## ${m.techniqueTitle(technique)}`);
    assert.notEqual(start, -1, technique);
    return report.slice(start, report.indexOf('\n## ', start + 3));
  };
  const open = tcp.filter((p) => p.truth === 'open').map((p) => p.port);
  const answering = tcp.filter((p) => p.truth === 'open' || p.truth === 'closed').map((p) => p.port);

  // Window: the RST of every answering port, open or closed, carried window 0 in the capture.
  const segments = await tcpSegments(join(outDir, 'window.pcap'));
  const resets = [...segments.values()].filter((s) => s.src === topo.target.address && s.flags === 0x04);
  assert.equal(resets.length, answering.length);
  assert.ok(resets.every((s) => s.window === 0));
  const window = section('window');
  for (const port of open)
    assert.match(
      window,
      new RegExp(
        `\\| ${port}/tcp \\| open \\| closed \\| reset \\| \`A → R \\(win 0\\)\` \\| \`A → R \\(win > 0\\)\` \\| ${m.verdictShort('reset-on-open')} \\|`,
      ),
    );
  assert.ok(window.includes('Every RST this scan captured had window 0'), 'the note on the captured windows');
  assert.match(window, /yet it answered the A probe with R \(frame \d+\) with window 0/);
  // The frame the explanation cites is a RST from an open port, window 0, in the capture.
  const cited = Number(/answered the A probe with R \(frame (\d+)\)/.exec(window)![1]);
  assert.deepEqual(segments.get(cited), { flags: 0x04, window: 0, src: topo.target.address });

  // Maimon: the open ports reset the FIN/ACK like the closed ones (RFC 793), the explanation says so.
  const maimon = section('maimon');
  for (const port of open)
    assert.match(
      maimon,
      new RegExp(`\\| ${port}/tcp \\| open \\| closed \\| reset \\| \`FA → R\` \\| \`FA, no answer\` \\| ${m.verdictShort('reset-on-open')} \\|`),
    );
  assert.match(maimon, /yet it answered the FA probe with R \(frame \d+\)\. The probe carries ACK, and RFC 793/);

  // ACK: open and closed ports alike are unfiltered, which is the textbook.
  const ack = section('ack');
  for (const port of answering)
    assert.match(
      ack,
      new RegExp(`\\| ${port}/tcp \\| (open|closed) \\| unfiltered \\| reset \\| \`A → R\` \\| \`A → R\` \\| ${m.verdictShort('textbook')} \\|`),
    );
});
