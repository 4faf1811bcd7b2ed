import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveToOutDir } from '../../src/cli/out-dir';
import { writeResultsFile } from '../../src/output/out-folder';
import { NotAScanJsonFile, readScanJsonPieces } from '../../src/output/scan-json';
import { PortResult, type ExchangePacket, type PortState, type ScanDocument, type Technique, type TechniqueSummary } from '../../src/protocol';
import { mergeScanDocuments } from '../../src/report';

const TARGET = '198.18.40.2';

function result(technique: Technique, port: number, state: PortState): PortResult {
  const out: ExchangePacket = { dir: 'out', t: port / 10, kind: 'tcp', flags: technique === 'syn' ? 'S' : 'F', src: '198.18.40.1', len: 44, frame: 2 * port };
  const answer: ExchangePacket = { dir: 'in', t: port / 10 + 0.2, kind: 'tcp', flags: 'RA', src: TARGET, len: 40, frame: 2 * port + 1 };
  return {
    technique,
    target: TARGET,
    port,
    protocol: 'tcp',
    state,
    reason: state === 'closed' ? 'reset' : 'no-response',
    ...(state === 'closed' ? { reasonTtl: 64 } : {}),
    exchange: state === 'closed' ? [out, answer] : [out, { ...out, retry: 1 }],
  };
}

function summary(technique: Technique, ports: number): TechniqueSummary {
  return {
    technique,
    target: TARGET,
    startedAt: '2026-12-06T03:00:00.000Z',
    durationMs: 100,
    packetsSent: ports,
    packetsReceived: ports,
    counts: { open: 0, closed: ports, filtered: 0, 'open|filtered': 0, unfiltered: 0, 'closed|filtered': 0 },
  };
}

function scan(startedAt: string, technique: Technique, ports: number[], state: PortState): ScanDocument {
  return {
    tool: 'portlab 0.1.0',
    startedAt,
    command: ['portlab', 'scan', TARGET, `-s${technique === 'syn' ? 'S' : 'F'}`],
    summary: { scanId: startedAt, partial: false, techniques: [summary(technique, ports.length)] },
    results: ports.map((p) => result(technique, p, state)),
  };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => from + k);
const keyed = (doc: ScanDocument) => new Map(doc.results.map((r) => [`${r.technique} ${r.port}`, r]));

/** Writes `latest` into a folder holding `previous` as `write` puts it there; returns the folder's results.json. */
async function mergedInto(previous: ScanDocument, write: (dir: string, doc: ScanDocument) => Promise<void>, latest: ScanDocument): Promise<ScanDocument> {
  const dir = mkdtempSync(join(tmpdir(), 'portlab-merge-'));
  try {
    await write(dir, previous);
    const { results, ...head } = latest;
    await saveToOutDir(
      dir,
      head,
      () => results,
      () => results,
      [],
    );
    return JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as ScanDocument;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const asWritten = (dir: string, { results, ...head }: ScanDocument) => writeResultsFile(dir, head, results);

test('a scan into a folder of earlier scans replaces their results of the same technique and port and keeps the rest, read a result at a time', async () => {
  const previous = mergeScanDocuments(
    scan('2026-12-06T01:00:00.000Z', 'syn', range(1, 3000), 'closed'),
    scan('2026-12-06T02:00:00.000Z', 'fin', range(1, 50), 'closed'),
  );
  const latest = scan('2026-12-06T03:00:00.000Z', 'syn', range(2990, 3010), 'filtered');
  const merged = await mergedInto(previous, asWritten, latest);
  const expected = mergeScanDocuments(previous, latest);
  assert.equal(merged.results.length, 3000 + 10 + 50);
  assert.deepEqual(keyed(merged), keyed(expected), 'the same result for every technique and port');
  assert.equal(keyed(merged).get('syn 2995')!.state, 'filtered', 'the new scan wins');
  assert.equal(keyed(merged).get('syn 2989')!.state, 'closed', 'an earlier port the new scan did not cover stays');
  const { results: _a, ...mergedHead } = merged;
  const { results: _b, ...expectedHead } = expected;
  assert.deepEqual(mergedHead, expectedHead, 'the earlier scans under `earlier`, the summaries merged');
  assert.deepEqual(
    merged.earlier?.map((e) => e.startedAt),
    ['2026-12-06T01:00:00.000Z', '2026-12-06T02:00:00.000Z'],
  );
});

test('an earlier results.json in another layout (one line) is merged the same; one that is not a scan is replaced', async () => {
  const previous = scan('2026-12-06T01:00:00.000Z', 'fin', range(1, 40), 'closed');
  const latest = scan('2026-12-06T03:00:00.000Z', 'syn', range(30, 45), 'closed');
  const oneLine = async (dir: string, doc: ScanDocument) => writeFileSync(join(dir, 'results.json'), JSON.stringify(doc));
  assert.deepEqual(keyed(await mergedInto(previous, oneLine, latest)), keyed(mergeScanDocuments(previous, latest)));

  for (const spoil of [(t: string) => t.replace('"state": "closed"', '"state": "shut"'), (t: string) => t.slice(0, t.length - 200), (t: string) => `${t}x`]) {
    const spoiled = async (dir: string, doc: ScanDocument) => {
      await asWritten(dir, doc);
      writeFileSync(join(dir, 'results.json'), spoil(readFileSync(join(dir, 'results.json'), 'utf8')));
    };
    const merged = await mergedInto(previous, spoiled, latest);
    assert.deepEqual(keyed(merged), keyed(latest), 'a file no scan wrote is replaced by the new scan, as a whole read would');
    assert.equal(merged.earlier, undefined);
  }
});

test('a results.json as PortLab writes it is read a result at a time: the head at once, each result checked as it is reached', async () => {
  const doc = scan('2026-12-06T01:00:00.000Z', 'syn', range(1, 500), 'closed');
  const dir = mkdtempSync(join(tmpdir(), 'portlab-pieces-'));
  try {
    const path = join(dir, 'results.json');
    await asWritten(dir, doc);
    const pieces = readScanJsonPieces(path, PortResult)!;
    const { results, ...head } = doc;
    assert.deepEqual(pieces.head, head);
    assert.deepEqual([...pieces.results()], results);

    writeFileSync(path, readFileSync(path, 'utf8').replace('"port": 300,', '"port": 300000,'));
    const seen: number[] = [];
    assert.throws(() => {
      for (const r of readScanJsonPieces(path, PortResult)!.results()) seen.push(r.port);
    }, NotAScanJsonFile);
    assert.deepEqual(seen, range(1, 299), 'the results before the bad one came first');

    writeFileSync(path, JSON.stringify(doc));
    assert.equal(readScanJsonPieces(path, PortResult), undefined, 'one line: not the layout read piece by piece');

    await asWritten(dir, { ...doc, results: [] });
    const none = readScanJsonPieces(path, PortResult)!;
    assert.deepEqual([none.head, [...none.results()]], [head, []], 'a scan of no port');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a results.json whose writing fails midway leaves the earlier one whole, and no temporary file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'portlab-failed-write-'));
  try {
    const earlier = scan('2026-12-06T01:00:00.000Z', 'syn', range(1, 300), 'closed');
    await asWritten(dir, earlier);
    const before = readFileSync(join(dir, 'results.json'), 'utf8');
    const failing = function* () {
      yield* earlier.results.slice(0, 100);
      throw new Error('the scan went away');
    };
    const { results: _r, ...head } = earlier;
    await assert.rejects(writeResultsFile(dir, head, failing()), /the scan went away/);
    assert.equal(readFileSync(join(dir, 'results.json'), 'utf8'), before);
    assert.deepEqual(readdirSync(dir), ['results.json']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
