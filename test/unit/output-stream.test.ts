// -oX and -oN written port by port: byte for byte what the string-built writers printed before they streamed
// (the golden files and digests below were made with them), in pieces of about 64 KiB, from results taken
// one at a time as the engine hands them over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { documentResults, writeNmapNormal, writeNmapXml, writeScanOutputs, type ResultSource } from '../../src/output';
import type { PortResult, PortState, Reason, ScanDocument, Technique } from '../../src/protocol';

// nmap's dates are local time; the golden files were written in UTC.
process.env.TZ = 'UTC';

const FIXTURES = join(import.meta.dirname, '../fixtures/output');
/** `portlab scan 198.18.199.2 198.18.199.3 -sS -sX -sU -p T:1-3000,U:53,69,123,161,514` of a lab (exchanges left out). */
const labScan = JSON.parse(gunzipSync(readFileSync(join(FIXTURES, 'lab-scan.json.gz'))).toString('utf8')) as ScanDocument;
const CHUNK = 64 * 1024;

/** Like the engine's results: each one a new object built as it is taken, none kept by the source. */
function builtAsTaken(results: readonly PortResult[]): ResultSource {
  const source = documentResults(results);
  return function* (filter) {
    for (const r of source(filter)) yield { ...r };
  };
}

function streamed(write: typeof writeNmapXml, doc: ScanDocument, source: ResultSource): { text: string; chunks: number[] } {
  const pieces: string[] = [];
  write((chunk) => pieces.push(chunk), doc, source);
  return { text: pieces.join(''), chunks: pieces.map((p) => p.length) };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

test("a recorded lab scan's -oX and -oN files are the golden ones, and the XML validates against nmap.dtd", (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'portlab-stream-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const files = { xml: join(dir, 'scan.xml'), normal: join(dir, 'scan.nmap') };
  writeScanOutputs(labScan, builtAsTaken(labScan.results), files);
  assert.equal(readFileSync(files.xml, 'utf8'), readFileSync(join(FIXTURES, 'lab-scan.xml'), 'utf8'));
  assert.equal(readFileSync(files.normal, 'utf8'), readFileSync(join(FIXTURES, 'lab-scan.nmap'), 'utf8'));
  execFileSync('xmllint', ['--noout', '--dtdvalid', '/usr/share/nmap/nmap.dtd', files.xml], { stdio: 'pipe' });
});

test("ports taken in another order than nmap's are written in nmap's order", () => {
  // each technique's ports against each target backwards (as `-p 3000-1` would list them), UDP before TCP
  const groups = new Map<string, PortResult[]>();
  for (const r of labScan.results) groups.set(`${r.technique} ${r.target}`, [r, ...(groups.get(`${r.technique} ${r.target}`) ?? [])]);
  const reordered = [...groups.values()].flat();
  const source: ResultSource = (filter) => (filter ? (groups.get(`${filter.technique} ${filter.target}`) ?? []) : reordered);
  assert.equal(streamed(writeNmapXml, labScan, source).text, readFileSync(join(FIXTURES, 'lab-scan.xml'), 'utf8'));
  assert.equal(streamed(writeNmapNormal, labScan, source).text, readFileSync(join(FIXTURES, 'lab-scan.nmap'), 'utf8'));
});

/**
 * Two hosts, SYN and Xmas over all 65,535 ports and UDP over 3,000, states mixed so that nmap lists most
 * ports one by one (open ports are never folded): 12 MB of XML.
 */
function fullRangeScan(): ScanDocument {
  const targets = ['198.18.199.2', '198.18.199.3'];
  const results: PortResult[] = [];
  const tcpKinds: [PortState, Reason][] = [
    ['open', 'syn-ack'],
    ['closed', 'reset'],
    ['filtered', 'no-response'],
    ['filtered', 'admin-prohibited'],
    ['open', 'syn-ack'],
    ['closed', 'reset'],
  ];
  const udpKinds: [PortState, Reason][] = [
    ['open', 'udp-response'],
    ['closed', 'port-unreach'],
    ['open|filtered', 'no-response'],
    ['filtered', 'admin-prohibited'],
  ];
  let x = 12345;
  const next = () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 8) % 1000;
  const services = ['ssh', 'http', 'domain', undefined, 'x"<&>'];
  for (const technique of ['syn', 'xmas', 'udp'] as Technique[])
    for (const target of targets)
      for (let port = 1; port <= (technique === 'udp' ? 3000 : 65535); port++) {
        const [state, reason] =
          technique === 'udp' ? udpKinds[next() % 4]! : technique === 'xmas' ? (next() < 990 ? tcpKinds[1]! : tcpKinds[next() % 4]!) : tcpKinds[next() % 6]!;
        const service = services[next() % 5];
        const r: PortResult = { technique, target, port, protocol: technique === 'udp' ? 'udp' : 'tcp', state, reason, exchange: [] };
        if (service) r.service = service;
        if (reason !== 'no-response') r.reasonTtl = 64;
        results.push(r);
      }
  return {
    tool: 'portlab 0.1.0',
    startedAt: '2026-12-05T17:00:00.000Z',
    command: ['portlab', 'scan', ...targets, '-sS', '-sX', '-sU', '-p', 'T:-,U:1-3000'],
    summary: {
      scanId: 'full-range',
      partial: false,
      techniques: targets.flatMap((target, i) =>
        (['syn', 'xmas', 'udp'] as Technique[]).map((technique, j) => ({
          technique,
          target,
          startedAt: `2026-12-05T17:00:0${i + j}.000Z`,
          durationMs: 1000 + 333 * j,
          packetsSent: 1,
          packetsReceived: 1,
          counts: { open: 0, closed: 0, filtered: 0, 'open|filtered': 0, unfiltered: 0 },
          ...(i === 0 ? { mac: '02:70:6c:c7:00:02' } : {}),
        })),
      ),
    },
    results,
  };
}

test('a full-range scan whose ports are mostly listed is written in 64 KiB pieces, byte for byte as before', () => {
  const doc = fullRangeScan();
  const source = builtAsTaken(doc.results);
  const cases = [
    { write: writeNmapXml, bytes: 12_319_516, digest: 'f4c881ea7645a566b6fe11cae9e828ce1eb7aef2aa42336665f340540da29302' },
    { write: writeNmapNormal, bytes: 3_405_475, digest: 'eb118743a86361940116b9453d108ccf929541f3731140c1e2fea9343b829b2a' },
  ];
  for (const { write, bytes, digest } of cases) {
    const { text, chunks } = streamed(write, doc, source);
    assert.equal(text.length, bytes);
    assert.equal(sha256(text), digest);
    // a piece ends with the first line that takes it to 64 KiB (an <extrareasons> line of scattered ports is long)
    const longestLine = Math.max(...text.split('\n').map((line) => line.length + 1));
    assert.ok(Math.max(...chunks) < CHUNK + longestLine, `largest piece ${Math.max(...chunks)} characters`);
    assert.ok(chunks.length > bytes / (CHUNK + longestLine), `${chunks.length} pieces`);
  }
});
