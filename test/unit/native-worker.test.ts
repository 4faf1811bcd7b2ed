import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

/**
 * The native layer in a worker thread that ends with its engine and socket still open: the env's cleanup hooks
 * stop and join their threads, and the addon stays mapped for the threads that release sockets (binding.gyp's
 * -z nodelete), so nothing crashes and nothing is left running.
 */
for (const how of ['terminate', 'exit'] as const) {
  test(`a worker ended by ${how === 'exit' ? 'process.exit()' : 'terminate()'} without close(): no pl- thread left, no crash`, async () => {
    // In a child: a crash of the addon must fail this test, not end the test runner.
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'support', 'native-worker-exit.ts'), how], {
      timeout: 30_000,
    }).catch((err: { code?: number; signal?: string; stderr?: string }) => {
      throw new Error(`the child ended with ${err.code ?? err.signal}: ${err.stderr ?? ''}`);
    });
    const { whileOpen, after, withPacketSocket } = JSON.parse(stdout) as { whileOpen: string[]; after: string[]; withPacketSocket: boolean };
    assert.ok(whileOpen.includes('pl-connect'), `while open: ${whileOpen.join(', ')}`);
    if (withPacketSocket) assert.ok(whileOpen.includes('pl-recv'), `while open: ${whileOpen.join(', ')}`);
    assert.deepEqual(after, []);
  });
}
