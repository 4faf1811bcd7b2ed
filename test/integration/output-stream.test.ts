// Root: a full-range SYN scan of lab 205 from its scanner namespace through the built CLI, with every output at
// once. The files the CLI streams port by port from the engine's results are the ones the writers give for the
// whole document it printed on stdout; -oX validates against nmap.dtd and ndiff reads it; the capture holds every
// probe and tshark reads each record.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labDown, labTopology, labUp } from '../../src/lab';
import { toNmapNormal, toNmapXml } from '../../src/output';
import type { ScanDocument } from '../../src/protocol';
import { readPcapFile } from '../../src/wire/pcap';
import { cliInNetns, rootSkip, run, tsharkFrames } from '../support/lab-env';

const ID = 205;
const topo = labTopology(ID);
const hasNdiff = spawnSync('ndiff', ['--help'], { stdio: 'ignore' }).status === 0;

describe('a full-range scan streamed to --json, -oX, -oN and --out', { skip: rootSkip, timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'portlab-stream-'));
  const out = join(dir, 'out');
  const xml = join(dir, 'scan.xml');
  const normal = join(dir, 'scan.nmap');
  let doc: ScanDocument;
  before(async () => {
    await labUp(ID);
    const [cmd, argv] = cliInNetns(topo.scanner.namespace, ['scan', topo.target.address, '-sS', '-p-', '--json', '-oX', xml, '-oN', normal, '--out', out]);
    const { stdout } = await run(cmd, argv, { maxBuffer: 256 << 20, timeout: 240_000 });
    doc = JSON.parse(stdout) as ScanDocument;
  });
  after(async () => {
    await labDown(ID);
    rmSync(dir, { recursive: true, force: true });
  });

  test('every port is reported once, and results.json is the document on stdout', () => {
    assert.equal(doc.summary?.partial, false);
    assert.deepEqual(
      doc.results.map((r) => r.port),
      Array.from({ length: 65535 }, (_, i) => i + 1),
    );
    assert.deepEqual(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')), doc);
  });

  test('-oX and -oN are what the writers give for the whole document; the XML is valid nmap XML', async () => {
    assert.equal(readFileSync(xml, 'utf8'), toNmapXml(doc));
    assert.equal(readFileSync(normal, 'utf8'), toNmapNormal(doc));
    assert.match(readFileSync(normal, 'utf8'), /\nNot shown: 65\d{3} closed tcp ports \(reset\)\n/);
    await run('xmllint', ['--noout', '--dtdvalid', '/usr/share/nmap/nmap.dtd', xml]);
  });

  test('ndiff reads the XML', { skip: !hasNdiff && 'ndiff not installed' }, async () => {
    // ndiff exits 0 when the scans are the same, 1 when they differ, 2 when it cannot read one
    const { stdout } = await run('ndiff', ['--xml', xml, xml]);
    assert.match(stdout, /<nmapdiff/);
  });

  test('the capture holds a probe for every port, in whole records tshark reads', async () => {
    const pcap = readPcapFile(join(out, 'syn.pcap'));
    assert.equal(pcap.error, undefined);
    assert.equal(pcap.truncated, false);
    assert.ok(pcap.records.length >= 65535 * 2, `${pcap.records.length} records: a probe and an answer per port`);
    assert.equal(await tsharkFrames(join(out, 'syn.pcap')), pcap.records.length);
  });
});
