// Root: `portlab demo --id 247` end to end, as `npm run demo` runs it on lab 0: the lab up, its three scans under
// their headings, each host's table against the lab's truth, nmap's lines, a folder with its reports per scan,
// and the lab down again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labTopology } from '../../src/lab';
import { ScanDocument, TECHNIQUES } from '../../src/protocol';
import { findProgram } from '../../src/base/program-path';
import { CLI, NODE, namespaces, rootSkip, run } from '../support/lab-env';

const LAB_ID = 247;
const topo = labTopology(LAB_ID);

/** The table printed for `target`: technique → column → cell, the columns cut where the header's words start. */
function stateTable(stdout: string, target: string): Map<string, Map<string, string>> {
  const title = `State (reason) by technique and by how the lab made the port (${target}):\n\n`;
  const start = stdout.indexOf(title);
  assert.notEqual(start, -1, `no table for ${target}`);
  const [header, , ...rows] = stdout
    .slice(start + title.length)
    .split('\n\n')[0]!
    .split('\n');
  const columns = [...header!.matchAll(/\S+/g)].map((m) => ({ name: m[0], at: m.index }));
  const cells = (row: string) => columns.map((c, i) => [c.name, row.slice(c.at, columns[i + 1]?.at).trim()] as const);
  return new Map(rows.map((row) => [row.split(' ')[0]!, new Map(cells(row).slice(1))]));
}

/** The nmap lines printed under the table of `target`, technique → line. */
function nmapLines(stdout: string, target: string): Map<string, string> {
  const from = stdout.indexOf(`(${target}):`);
  const block = stdout.slice(stdout.indexOf('The same ports scanned by nmap from the same namespace:\n', from)).split('\n\n')[0]!;
  return new Map(
    block
      .split('\n')
      .slice(1)
      .map((line) => [line.split(':')[0]!, line]),
  );
}

test(
  'portlab demo: three scans under their headings, each table against its host’s truth, a folder with reports for each',
  { skip: rootSkip, timeout: 900_000 },
  async (t) => {
    const out = mkdtempSync(join(tmpdir(), 'portlab-demo-'));
    t.after(async () => {
      await run(NODE, [CLI, 'lab', 'down', '--id', String(LAB_ID)], { timeout: 120_000 }).catch(() => {});
      rmSync(out, { recursive: true, force: true });
    });
    const { stdout } = await run(NODE, [CLI, 'demo', '--id', String(LAB_ID), '--out', out], { timeout: 800_000, maxBuffer: 64 << 20 });

    const headings = stdout.split('\n').filter((l) => l.startsWith('=== '));
    assert.deepEqual(headings.slice(0, 2), [
      `=== 1/3 IPv4 target ${topo.target.address}: every technique ===`,
      `=== 2/3 Stateless host ${topo.stateless.address}: the TCP techniques ===`,
    ]);
    assert.match(headings[2]!, new RegExp(`^=== 3/3 IPv6 target ${topo.target.address6}: every technique( but idle \\(-sI\\))? ===$`));

    const ipv4 = stateTable(stdout, topo.target.address);
    assert.deepEqual([...ipv4.keys()], TECHNIQUES);
    assert.deepEqual([...ipv4.get('syn')!.keys()], ['open', 'closed', 'filtered-drop', 'filtered-reject']);
    assert.equal(ipv4.get('syn')!.get('open'), 'open syn-ack');
    assert.equal(ipv4.get('ack')!.get('closed'), 'unfiltered reset');
    assert.equal(ipv4.get('idle')!.get('open'), 'open ipid-change');
    assert.equal(ipv4.get('idle')!.get('closed'), 'closed|filtered no-ipid-change');

    // The ACK scan's lesson: the stateless host's port that drops only SYNs.
    const stateless = stateTable(stdout, topo.stateless.address);
    assert.deepEqual([...stateless.keys()], ['connect', 'syn', 'xmas', 'fin', 'null', 'ack', 'window', 'maimon']);
    assert.deepEqual([...stateless.get('syn')!.keys()], ['open', 'closed', 'filtered-drop', 'filtered-syn']);
    assert.equal(stateless.get('syn')!.get('filtered-syn'), 'filtered no-response');
    assert.equal(stateless.get('ack')!.get('filtered-syn'), 'unfiltered reset');
    assert.equal(stateless.get('ack')!.get('filtered-drop'), 'filtered no-response');

    const ipv6 = stateTable(stdout, topo.target.address6);
    for (const technique of TECHNIQUES.filter((t) => t !== 'idle')) assert.ok(ipv6.has(technique), `IPv6 row ${technique}`);
    assert.equal(ipv6.get('udp')!.get('closed'), 'closed port-unreach');
    assert.equal(ipv6.get('syn')!.get('filtered-reject'), 'filtered admin-prohibited');
    if (!ipv6.has('idle')) assert.match(stdout, /^idle \(-sI\) is not run over IPv6: the lab's zombie answers over IPv4 only$/m);

    if (findProgram('nmap')) {
      // No ICMP there, so no rate limit either: nmap must agree on every port of the stateless host.
      for (const [technique, line] of nmapLines(stdout, topo.stateless.address))
        assert.equal(line, `${technique}: nmap agrees on all 4 ports (state and reason)`);
      assert.deepEqual([...nmapLines(stdout, topo.target.address).keys()], TECHNIQUES);
    }

    for (const [dir, target] of [
      [out, topo.target.address],
      [join(out, 'stateless'), topo.stateless.address],
      [join(out, 'ipv6'), topo.target.address6],
    ] as const) {
      for (const file of ['report.md', 'report.zh-CN.md', 'lab.json']) assert.ok(existsSync(join(dir, file)), `${dir}/${file}`);
      const doc = ScanDocument.parse(JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')));
      assert.deepEqual([...new Set(doc.results.map((r) => r.target))], [target]);
      assert.match(readFileSync(join(dir, 'report.md'), 'utf8'), new RegExp(`Command: \`portlab scan ${target} `));
    }
    assert.deepEqual(
      (await namespaces()).filter((ns) => ns.startsWith(`portlab${LAB_ID}-`)),
      [],
    );
  },
);
