// PcapWriter and readPcap: round trips, tshark as an independent reader, truncation, SIGKILL mid-capture.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import {
  buildArpRequest,
  buildIcmpEchoFrame,
  buildTcpFrame,
  buildUdpFrame,
  buildTcpPacket,
  mssOption,
  LINKTYPE_ETHERNET,
  LINKTYPE_RAW,
  TCP_ACK,
  TCP_SYN,
} from '../../src/wire';
import { PcapWriter, readPcap, readPcapFile } from '../../src/wire/pcap';
import { endsOnPageBoundary, tsharkFrames } from '../support/lab-env';

const hasTshark = spawnSync('tshark', ['-v'], { stdio: 'ignore' }).status === 0;

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'portlab-pcap-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const link = { srcMac: '02:00:00:c8:00:01', dstMac: '02:00:00:c8:00:02', srcIp: '198.18.200.1', dstIp: '198.18.200.2' };
const sampleFrames = () => [
  buildArpRequest({ srcMac: link.srcMac, srcIp: link.srcIp, targetIp: link.dstIp }),
  buildTcpFrame({ ...link, srcPort: 47590, dstPort: 80, seq: 2983846334, flags: TCP_SYN, options: [mssOption(1460)] }),
  buildTcpFrame({ ...link, srcPort: 47590, dstPort: 22, seq: 1, ack: 2983846335, flags: TCP_SYN | TCP_ACK, window: 64240 }),
  buildUdpFrame({ ...link, srcPort: 43121, dstPort: 53, payload: new Uint8Array(12) }),
  buildIcmpEchoFrame({ ...link, echoId: 0xed0d, echoSeq: 7 }),
];

test('writer → reader round trip: bytes, timestamps, frame numbers', (t) => {
  const dir = tempDir(t);
  let n = 0;
  fc.assert(
    fc.property(
      fc.array(fc.record({ data: fc.uint8Array({ maxLength: 300 }), ts: fc.nat({ max: 4_000_000_000 * 1_000_000 }) }), { maxLength: 40 }),
      (records) => {
        const path = join(dir, `rt${n++}.pcap`);
        const w = PcapWriter.open(path);
        assert.deepEqual(
          records.map((r) => w.write(r.data, r.ts)),
          records.map((_, i) => i + 1),
        );
        assert.equal(w.packets, records.length);
        w.close();
        const back = readPcapFile(path);
        assert.deepEqual(
          back.records.map((r) => [Array.from(r.data), r.tsMicros, r.origLen]),
          records.map((r) => [Array.from(r.data), r.ts, r.data.length]),
        );
        assert.equal(back.linkType, 1);
        assert.equal(back.truncated, false);
      },
    ),
    { numRuns: 100 },
  );
});

test('records reach the file 64 KiB at a time and at close, not one write per frame', (t) => {
  const path = join(tempDir(t), 'chunks.pcap');
  // No timer flush during the test: only size and close decide when records reach the file.
  const w = PcapWriter.open(path, LINKTYPE_ETHERNET, { flushIntervalMs: 600_000 });
  const frame = new Uint8Array(60).fill(0x5a);
  const recordBytes = 16 + frame.length;
  const perChunk = Math.floor((64 * 1024) / recordBytes);
  for (let i = 0; i < perChunk; i++) w.write(frame);
  assert.equal(statSync(path).size, 24, 'a full buffer is not written yet');
  w.write(frame);
  assert.equal(statSync(path).size, 24 + perChunk * recordBytes, 'the record that does not fit sends the buffer, whole records only');
  for (let i = 0; i < 100; i++) w.write(frame);
  w.close();
  const back = readPcapFile(path);
  assert.equal(back.records.length, perChunk + 101);
  assert.equal(back.truncated, false);
});

test('capture files are 0600 even when the file already existed; records over 65535 bytes are cut', (t) => {
  const path = join(tempDir(t), 'c.pcap');
  writeFileSync(path, 'old');
  chmodSync(path, 0o644);
  const w = PcapWriter.open(path, LINKTYPE_RAW);
  assert.equal(w.write(new Uint8Array(70000).fill(7)), 1);
  w.close();
  assert.equal(statSync(path).mode & 0o777, 0o600);
  const back = readPcapFile(path);
  assert.equal(back.linkType, LINKTYPE_RAW);
  assert.deepEqual([back.records[0]!.data.length, back.records[0]!.origLen], [65535, 70000]);
  assert.throws(() => w.write(new Uint8Array(1)), /after close/);
});

test('never written through a link: a symlinked file is replaced, a symlinked directory refused; the victims are untouched', (t) => {
  const dir = tempDir(t);
  const victim = join(dir, 'victim');
  writeFileSync(victim, 'precious');
  chmodSync(victim, 0o644);
  symlinkSync(victim, join(dir, 'c.pcap'));
  PcapWriter.open(join(dir, 'c.pcap')).close();
  assert.equal(lstatSync(join(dir, 'c.pcap')).isFile(), true, 'the link was replaced by a file');
  assert.equal(readPcapFile(join(dir, 'c.pcap')).records.length, 0);

  mkdirSync(join(dir, 'elsewhere'));
  writeFileSync(join(dir, 'elsewhere', 'syn.pcap'), 'precious');
  symlinkSync(join(dir, 'elsewhere'), join(dir, 'scan'));
  assert.throws(
    () => PcapWriter.open(join(dir, 'scan', 'syn.pcap')),
    /scan is not a directory \(a symbolic link\?\); captures are never written through links/,
  );
  assert.deepEqual([readFileSync(victim, 'utf8'), statSync(victim).mode & 0o777], ['precious', 0o644]);
  assert.equal(readFileSync(join(dir, 'elsewhere', 'syn.pcap'), 'utf8'), 'precious');
});

test('tshark reads what PcapWriter wrote, frame for frame', { skip: !hasTshark && 'tshark not installed' }, (t) => {
  const path = join(tempDir(t), 'tshark.pcap');
  const w = PcapWriter.open(path);
  for (const f of sampleFrames()) w.write(f);
  w.close();
  const out = spawnSync(
    'tshark',
    [
      '-r',
      path,
      '-o',
      'tcp.check_checksum:TRUE',
      '-o',
      'udp.check_checksum:TRUE',
      '-o',
      'ip.check_checksum:TRUE',
      '-T',
      'fields',
      '-E',
      'separator=|',
      '-e',
      'frame.number',
      '-e',
      '_ws.col.Protocol',
      '-e',
      'tcp.dstport',
      '-e',
      'tcp.flags',
      '-e',
      'tcp.seq_raw',
      '-e',
      'tcp.options.mss_val',
      '-e',
      'tcp.checksum.status',
      '-e',
      'udp.dstport',
      '-e',
      'udp.checksum.status',
      '-e',
      'icmp.ident',
      '-e',
      'icmp.seq',
      '-e',
      'icmp.checksum.status',
      '-e',
      'ip.checksum.status',
      '-e',
      '_ws.expert.message',
    ],
    { encoding: 'utf8' },
  );
  assert.equal(out.status, 0, out.stderr);
  // checksum status 1 = good; no expert messages (malformed packets) in the last column
  assert.deepEqual(out.stdout.trim().split('\n'), [
    '1|ARP||||||||||||',
    '2|TCP|80|0x0002|2983846334|1460|1||||||1|Connection establish request (SYN): server port 80',
    '3|TCP|22|0x0012|1||1||||||1|Connection establish acknowledge (SYN+ACK): server port 47590',
    '4|DNS||||||53|1||||1|',
    '5|ICMP||||||||60685|7|1|1|',
  ]);
});

test('a file cut mid-record reads its complete records and says truncated', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'cut.pcap');
  const w = PcapWriter.open(path);
  const frames = sampleFrames();
  for (const f of frames) w.write(f);
  w.close();
  const whole = readFileSync(path);
  const fullLength = whole.length;
  const lastRecordStart = fullLength - (16 + frames[4]!.length);
  for (const [cut, complete] of [
    [fullLength - 1, 4],
    [lastRecordStart + 10, 4],
    [lastRecordStart, 4],
    [40 + 1, 0],
    [24 + 16 + frames[0]!.length, 1],
  ] as const) {
    const r = readPcap(whole.subarray(0, cut));
    assert.equal(r.records.length, complete, `cut at ${cut}`);
    assert.equal(r.truncated, cut !== lastRecordStart && cut !== 24 + 16 + frames[0]!.length, `cut at ${cut}`);
    assert.deepEqual(
      r.records.map((x) => Array.from(x.data)),
      frames.slice(0, complete).map((f) => Array.from(f)),
    );
  }
  const cutPath = join(dir, 'cut-short.pcap');
  writeFileSync(cutPath, whole.subarray(0, lastRecordStart + 10));
  assert.equal(readPcapFile(cutPath).truncated, true);
});

test('big-endian and nanosecond pcap files; not-a-pcap and pcapng are errors, not throws', () => {
  const data = buildTcpPacket({ srcIp: '198.18.200.1', dstIp: '198.18.200.2', srcPort: 1, dstPort: 2, seq: 3, flags: TCP_SYN });
  const file = new Uint8Array(24 + 16 + data.length);
  const v = new DataView(file.buffer);
  v.setUint32(0, 0xa1b23c4d, false);
  v.setUint16(4, 2, false);
  v.setUint16(6, 4, false);
  v.setUint32(16, 65535, false);
  v.setUint32(20, LINKTYPE_RAW, false);
  v.setUint32(24, 1_700_000_000, false);
  v.setUint32(28, 123_456_789, false);
  v.setUint32(32, data.length, false);
  v.setUint32(36, data.length + 4, false);
  file.set(data, 40);
  const r = readPcap(file);
  assert.deepEqual(
    {
      linkType: r.linkType,
      truncated: r.truncated,
      error: r.error,
      ts: r.records[0]!.tsMicros,
      orig: r.records[0]!.origLen,
      data: Array.from(r.records[0]!.data),
    },
    { linkType: LINKTYPE_RAW, truncated: false, error: undefined, ts: 1_700_000_000_123_456, orig: data.length + 4, data: Array.from(data) },
  );
  assert.match(readPcap(Uint8Array.of(0x0a, 0x0d, 0x0d, 0x0a, ...new Uint8Array(40))).error!, /pcapng/);
  assert.match(readPcap(new TextEncoder().encode('this is not a capture file at all')).error!, /not a pcap file/);
  assert.match(readPcap(new Uint8Array(3)).error!, /shorter than/);
  assert.match(readPcapFile('/nonexistent/portlab.pcap').error!, /cannot read/);
});

test('SIGKILL mid-capture leaves a file of whole records, including every record flushed before', async (t) => {
  const path = join(tempDir(t), 'killed.pcap');
  const pcapModule = resolve(import.meta.dirname, '../../src/wire/pcap/index.ts');
  // The child writes 50 records, lets the 100 ms flush pass, says so, then writes as fast as it can.
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      `
      const { PcapWriter } = require(${JSON.stringify(pcapModule)});
      const w = PcapWriter.open(${JSON.stringify(path)});
      const frame = new Uint8Array(60).fill(0xab);
      for (let i = 0; i < 50; i++) w.write(frame);
      setTimeout(() => {
        process.stdout.write('flushed\\n');
        const end = Date.now() + 5000;
        const burst = () => { for (let i = 0; i < 500; i++) w.write(frame); if (Date.now() < end) setImmediate(burst); };
        burst();
      }, 300);
    `,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  t.after(() => child.kill('SIGKILL'));
  await new Promise<void>((done, fail) => {
    const timer = setTimeout(() => fail(new Error('child never reported its flush')), 15_000);
    child.once('exit', (code) => fail(new Error(`child exited with ${code} before its flush`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('flushed')) {
        clearTimeout(timer);
        done();
      }
    });
  });
  await new Promise((r) => setTimeout(r, 150));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  const back = readPcapFile(path);
  assert.equal(back.error, undefined);
  // The writer writes whole records; only the kernel can cut one, by stopping the write at a page boundary.
  if (back.truncated) assert.ok(endsOnPageBoundary(path), `cut at ${statSync(path).size} bytes, not at a page boundary`);
  assert.ok(back.records.length >= 50, `${back.records.length} records`);
  assert.ok(back.records.every((r) => r.data.length === 60 && r.data.every((b) => b === 0xab)));
  t.diagnostic(`${back.records.length} whole records survived SIGKILL${back.truncated ? ', then a record cut by the kernel' : ''}`);
  if (hasTshark) assert.equal(await tsharkFrames(path), back.records.length, 'tshark reads every whole record');
});
