// Frames built (and decoded) per second on the hot path; printed as diagnostics, not asserted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTcpFrame, decodeFrame, mssOption, TcpProbeTemplate, TCP_SYN } from '../../src/wire';

const probe = {
  srcMac: '02:00:00:c8:00:01',
  dstMac: '02:00:00:c8:00:02',
  srcIp: '198.18.200.1',
  dstIp: '198.18.200.2',
  srcPort: 47590,
  flags: TCP_SYN,
  window: 1024,
  options: [mssOption(1460)],
};

function perSecond(n: number, run: () => void): number {
  const start = process.hrtime.bigint();
  run();
  return Math.round(n / (Number(process.hrtime.bigint() - start) / 1e9));
}

test('SYN frames per second: TcpProbeTemplate.fill vs buildTcpFrame, and decodeFrame', (t) => {
  const N = 200_000;
  const template = new TcpProbeTemplate(probe);
  let checked = 0;
  const templateRate = perSecond(N, () => {
    for (let i = 0; i < N; i++) {
      const frame = template.fill(1 + (i % 65535), i * 2654435761);
      // every 10,000th frame must decode with the fields it was filled with and valid checksums
      if (i % 10_000 === 0) {
        const f = decodeFrame(frame)!;
        assert.deepEqual([f.tcp!.dstPort, f.tcp!.seq, f.ipChecksumOk, f.l4ChecksumOk], [1 + (i % 65535), (i * 2654435761) >>> 0, true, true]);
        checked++;
      }
    }
  });
  assert.equal(checked, N / 10_000);

  const M = 20_000;
  const built: Uint8Array[] = [];
  const builderRate = perSecond(M, () => {
    for (let i = 0; i < M; i++) {
      const frame = buildTcpFrame({ ...probe, dstPort: 1 + (i % 65535), seq: i });
      if (i % 100 === 0) built.push(frame);
    }
  });
  const decodeRate = perSecond(M, () => {
    for (let i = 0; i < M; i++) decodeFrame(built[i % built.length]!);
  });
  assert.equal(
    built.every((b) => decodeFrame(b)!.l4ChecksumOk),
    true,
  );

  t.diagnostic(`TcpProbeTemplate.fill: ${templateRate.toLocaleString('en')} frames/s`);
  t.diagnostic(`buildTcpFrame: ${builderRate.toLocaleString('en')} frames/s`);
  t.diagnostic(`decodeFrame (SYN): ${decodeRate.toLocaleString('en')} frames/s`);
});
