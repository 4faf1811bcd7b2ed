import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HelperClient, HelperGoneError } from '../../src/helper/client';

// A helper that goes before it reads anything (sudo refusing, a missing node): the client's first request
// meets a closed pipe (EPIPE) just before the exit is seen. The client must say the helper has gone, not
// die of an unhandled rejection.
test('a request to a helper whose stdin is already closed is a HelperGoneError, never a crash of the client', async () => {
  const child = spawn(process.execPath, ['-e', `require('node:fs').closeSync(0); process.stderr.write('closed\\n'); setTimeout(() => process.exit(1), 300)`]);
  const client = new HelperClient(child, 'sudo');
  await once(child.stderr, 'data');
  await assert.rejects(client.hello(), (err: unknown) => err instanceof HelperGoneError && /exited with code 1/.test(err.message));
});
