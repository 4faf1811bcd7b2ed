// Root: builds lab 41 and follows the README's steps: scans from the scanner namespace through the
// built CLI (the TCP techniques, then UDP into the same --out directory), then the report, with and
// without nmap beside it, and again once the lab is down.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import MarkdownIt from 'markdown-it';
import { LAB_TRUTH, labTopology, filterRule } from '../../src/lab';
import { TECHNIQUES, type ScanDocument } from '../../src/protocol';
import { messagesFor } from '../../src/report/i18n';

const LAB_ID = 41;
const CLI = resolve(import.meta.dirname, '../../out/cli.js');
const topo = labTopology(LAB_ID);
const TCP_PORTS = LAB_TRUTH.filter((p) => p.protocol === 'tcp').map((p) => p.port);
const UDP_PORTS = LAB_TRUTH.filter((p) => p.protocol === 'udp').map((p) => p.port);
const PORTS = [...new Set([...TCP_PORTS, ...UDP_PORTS, 24])].sort((a, b) => a - b);

function cli(args: string[], netns?: string): string {
  const [file, argv] = netns ? ['ip', ['netns', 'exec', netns, process.execPath, CLI, ...args]] : [process.execPath, [CLI, ...args]];
  return execFileSync(file, argv, { encoding: 'utf8', timeout: 300_000, maxBuffer: 64 * 1024 * 1024 });
}

function section(report: string, title: string): string {
  const start = report.indexOf(title);
  assert.notEqual(start, -1, `missing ${title}`);
  const end = report.indexOf('\n## ', start + title.length);
  return report.slice(start, end === -1 ? undefined : end);
}

test('portlab report over a real lab scan: every port under every technique, with truth and firewall rules', { timeout: 600_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'portlab-report-'));
  t.after(() => {
    spawnSync(process.execPath, [CLI, 'lab', 'down', '--id', String(LAB_ID)], { timeout: 60_000 });
    rmSync(dir, { recursive: true, force: true });
  });
  cli(['lab', 'up', '--id', String(LAB_ID)]);
  cli(
    ['scan', topo.target.address, '-p', PORTS.join(','), '-sT', '-sS', '-sX', '-sF', '-sN', '-sA', '-sW', '-sM', '-sI', topo.zombie.address, '--out', dir],
    topo.scanner.namespace,
  );
  cli(['scan', topo.target.address, '-p', PORTS.join(','), '-sU', '--out', dir], topo.scanner.namespace);
  for (const technique of TECHNIQUES) assert.ok(existsSync(join(dir, `${technique}.pcap`)), `${technique}.pcap`);
  // The scan itself saved the lab's description, and merged the two scans.
  const lab = JSON.parse(readFileSync(join(dir, 'lab.json'), 'utf8')) as { id: number; up: boolean };
  assert.deepEqual([lab.id, lab.up], [LAB_ID, true]);
  const doc = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as ScanDocument;
  assert.equal(doc.earlier?.length, 1);
  assert.equal(doc.scanner?.netns, topo.scanner.namespace);
  assert.deepEqual(new Set(doc.results.map((r) => r.technique)), new Set(TECHNIQUES));
  const modeOf = (file: string) => statSync(join(dir, file)).mode & 0o777;
  for (const file of ['results.json', 'lab.json', ...TECHNIQUES.map((t) => `${t}.pcap`)]) assert.equal(modeOf(file), 0o600, file);

  const out = join(dir, 'report.md');
  assert.equal(cli(['report', dir]).trim(), out);
  const report = readFileSync(out, 'utf8');
  const m = messagesFor('en');
  for (const technique of TECHNIQUES) {
    const body = section(report, `## ${m.techniqueTitle(technique)}`);
    const protocol = technique === 'udp' ? 'udp' : 'tcp';
    for (const port of PORTS) {
      const truth = LAB_TRUTH.find((p) => p.port === port && p.protocol === protocol)?.truth ?? 'closed';
      const row = body.split('\n').find((l) => l.startsWith(`| ${port}/${protocol} |`));
      assert.ok(row, `${technique}: no row for ${port}/${protocol}`);
      assert.ok(row.includes(`| ${m.truth(truth)} |`), `${technique} ${port}: truth ${truth} missing in ${row}`);
      assert.ok(!row.includes(m.verdictShort('not-captured')), `${technique} ${port}: exchange not rebuilt`);
    }
    assert.ok(body.includes(`](${technique}.pcap)`), `${technique}: no link to its capture`);
  }
  for (const p of LAB_TRUTH) {
    const rule = filterRule(p);
    if (rule) assert.ok(report.includes(`\`${rule}\``), `rule not quoted: ${rule}`);
  }
  // The lab's textbook cases, as the captures show them.
  const syn = section(report, `## ${m.techniqueTitle('syn')}`);
  assert.match(syn, /\| 22\/tcp \| open \| open \| syn-ack \| `S → SA → R\(kernel\)` \|/);
  assert.match(syn, /\| 110\/tcp \| filtered \(reject\) \| filtered \| admin-prohibited \| `S → ICMP 3\/13` \|/);
  assert.match(syn, /\| 25\/tcp \| filtered \(drop\) \| filtered \| no-response \| `S ×2 → \(no answer\)` \|/);
  assert.match(section(report, `## ${m.techniqueTitle('connect')}`), /\| 80\/tcp \| open \| open \| syn-ack \| `S → SA → A → RA` \|/);
  assert.ok(
    section(report, `## ${m.environment}`).includes(`| ${topo.scanner.iface} | ${topo.scanner.address} | ${topo.scanner.mac} | ${topo.scanner.namespace} |`),
  );
  assert.ok(!report.includes(`| ${m.colNmap} |`), 'an nmap column without --with-nmap');
  new MarkdownIt().parse(report, {});

  const zh = join(dir, 'report.zh-CN.md');
  cli(['report', dir, '-o', zh, '--lang', 'zh-CN']);
  assert.ok(readFileSync(zh, 'utf8').startsWith(`# ${messagesFor('zh-CN').title}`));
  assert.ok(!readFileSync(zh, 'utf8').includes('listens on'), 'English "how" in the zh-CN report');

  // With nmap, run inside the scanner namespace: its answers stand beside ours.
  cli(['report', dir, '--with-nmap']);
  const withNmap = readFileSync(out, 'utf8');
  for (const technique of TECHNIQUES) {
    assert.ok(existsSync(join(dir, 'nmap', `${technique}.xml`)), `nmap ${technique}`);
    const body = section(withNmap, `## ${m.techniqueTitle(technique)}`);
    assert.ok(body.includes(`| ${m.colNmap} |`), `${technique}: no nmap column`);
  }
  for (const file of ['nmap/runs.json', ...TECHNIQUES.map((t) => `nmap/${t}.xml`)]) assert.equal(modeOf(file), 0o600, file);
  assert.match(section(withNmap, `## ${m.techniqueTitle('syn')}`), /\| 22\/tcp \|.*\| open \(syn-ack\) \|$/m);
  assert.match(section(withNmap, `## ${m.techniqueTitle('connect')}`), /\| 23\/tcp \|.*\| closed \(conn-refused\) \|$/m);
  assert.ok(
    withNmap.includes(`(\`ip netns exec ${topo.scanner.namespace} nmap -sS -Pn -n --reason -p ${PORTS.join(',')} -oX - ${topo.target.address}\`)`),
    'nmap not run in the scanner namespace',
  );

  // Once the lab is down, nmap is not run anywhere else: the report says why and shows no old answers.
  cli(['lab', 'down', '--id', String(LAB_ID)]);
  const reportAfter = spawnSync(process.execPath, [CLI, 'report', dir, '--with-nmap'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(reportAfter.status, 0, reportAfter.stderr);
  assert.match(reportAfter.stderr, /netns-gone/);
  const afterDown = readFileSync(out, 'utf8');
  for (const technique of TECHNIQUES) assert.ok(!existsSync(join(dir, 'nmap', `${technique}.xml`)), `stale nmap ${technique}`);
  assert.ok(!afterDown.includes(`| ${m.colNmap} |`));
  assert.ok(afterDown.includes(`the scan ran in the network namespace ${topo.scanner.namespace}, which no longer exists`));
});

test('portlab report: bad input is one line and exit code 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portlab-report-bad-'));
  try {
    const missing = spawnSync(process.execPath, [CLI, 'report', dir], { encoding: 'utf8' });
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /^portlab: .*no results\.json here/);
    writeFileSync(join(dir, 'results.json'), '{"tool": 1}');
    const bad = spawnSync(process.execPath, [CLI, 'report', dir], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.equal(bad.stderr.trim().split('\n').length, 1);
    const lang = spawnSync(process.execPath, [CLI, 'report', dir, '--lang', 'fr'], { encoding: 'utf8' });
    assert.equal(lang.status, 2);
    assert.match(lang.stderr, /unknown report language 'fr'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
