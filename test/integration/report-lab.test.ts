// Root: builds lab 41, scans it with the six techniques from the scanner namespace through the built
// CLI, and writes the report with and without nmap beside it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import MarkdownIt from 'markdown-it';
import { LAB_TRUTH, labTopology, filterRule } from '../../src/lab';
import { TECHNIQUES } from '../../src/protocol';
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
  cli(['scan', topo.target.address, '-p', PORTS.join(','), '-sT', '-sS', '-sX', '-sF', '-sN', '-sU', '--out', dir], topo.scanner.namespace);
  writeFileSync(join(dir, 'lab.json'), cli(['lab', 'status', '--id', String(LAB_ID), '--json']));
  for (const technique of TECHNIQUES) assert.ok(existsSync(join(dir, `${technique}.pcap`)), `${technique}.pcap`);

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
  new MarkdownIt().parse(report, {});

  const zh = join(dir, 'report.zh-CN.md');
  cli(['report', dir, '-o', zh, '--lang', 'zh-CN']);
  assert.ok(readFileSync(zh, 'utf8').startsWith(`# ${messagesFor('zh-CN').title}`));

  // With nmap, run inside the scanner namespace: its answers stand beside ours.
  cli(['report', dir, '--with-nmap']);
  const withNmap = readFileSync(out, 'utf8');
  for (const technique of TECHNIQUES) {
    assert.ok(existsSync(join(dir, 'nmap', `${technique}.xml`)), `nmap ${technique}`);
    const body = section(withNmap, `## ${m.techniqueTitle(technique)}`);
    assert.ok(body.includes(`| ${m.colNmap} |`), `${technique}: no nmap column`);
  }
  assert.match(section(withNmap, `## ${m.techniqueTitle('syn')}`), /\| 22\/tcp \|.*\| open \(syn-ack\) \|$/m);
  assert.match(section(withNmap, `## ${m.techniqueTitle('connect')}`), /\| 23\/tcp \|.*\| closed \(conn-refused\) \|$/m);
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
