import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanInProcess } from '../../src/extension/in-process-scan';
import type { PortResult } from '../../src/protocol';

test('a connect scan in the extension host: checked as a helper checks it, results as a session hands them out', async () => {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const open = (server.address() as { port: number }).port;
  const closedServer = createServer();
  await new Promise<void>((resolve) => closedServer.listen(0, '127.0.0.1', resolve));
  const closed = (closedServer.address() as { port: number }).port;
  await new Promise((resolve) => closedServer.close(resolve));
  const captureRoot = mkdtempSync(join(tmpdir(), 'portlab-in-process-'));
  try {
    const seen: PortResult[] = [];
    const session = scanInProcess({ targets: ['127.0.0.1'], ports: `${open},${closed}`, techniques: ['connect'] }, captureRoot, [], {
      ports: (results) => seen.push(...results),
    });
    const finished = await session.finished;
    assert.equal(finished.summary.partial, false);
    assert.ok(finished.captureDir.startsWith(captureRoot));
    assert.deepEqual(
      new Map(seen.map((r) => [r.port, r.state])),
      new Map([
        [open, 'open'],
        [closed, 'closed'],
      ]),
    );

    // Out of scope: refused before anything is sent, as the helper refuses it.
    const refused = scanInProcess({ targets: ['192.0.2.1'], ports: '80', techniques: ['connect'] }, captureRoot, [], {});
    await assert.rejects(refused.finished, /outside the lab ranges/);
  } finally {
    server.close();
    rmSync(captureRoot, { recursive: true, force: true });
  }
});
