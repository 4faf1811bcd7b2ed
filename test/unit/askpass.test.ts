import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { startAskpass, type AskpassRequest } from '../../src/helper/askpass';

const PASSWORD = 'correct horse 7$ battery';

/** Runs the askpass program as sudo does (`$SUDO_ASKPASS PROMPT` with sudo's environment); `whileRunning` sees its pid. */
function runAskpass(env: Record<string, string>, prompt: string, whileRunning?: (pid: number) => void) {
  const child = spawn(env.SUDO_ASKPASS!, [prompt], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  if (whileRunning) child.once('spawn', () => whileRunning(child.pid!));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

test('askpass: sudo prompt in, password out on stdout, and the password in no argv, environment or file', async () => {
  const seen: AskpassRequest[] = [];
  let checkProcess: (() => void) | undefined;
  const askpass = await startAskpass(async (request) => {
    seen.push(request);
    // the askpass program is running and waiting for this answer: its argv and environment are final
    checkProcess?.();
    return PASSWORD;
  });
  try {
    const dir = dirname(askpass.env.SUDO_ASKPASS!);
    assert.deepEqual(Object.keys(askpass.env).sort(), ['PORTLAB_ASKPASS_SOCKET', 'SUDO_ASKPASS']);
    assert.equal(dirname(askpass.env.PORTLAB_ASKPASS_SOCKET!), dir);
    const stat = statSync(dir);
    assert.equal(stat.mode & 0o777, 0o700, 'only this user may reach the socket');
    assert.equal(stat.uid, process.getuid!());
    assert.match(readFileSync(askpass.env.SUDO_ASKPASS!, 'utf8'), /^#!\/bin\/sh\n.*exec '[^']*node[^']*' '[^']*out\/cli\.js' askpass "\$@"\n$/s);

    let inspected = false;
    const result = await runAskpass(askpass.env, '[sudo] password for student: ', (pid) => {
      checkProcess = () => {
        for (const part of ['cmdline', 'environ']) assert.ok(!readFileSync(`/proc/${pid}/${part}`, 'latin1').includes(PASSWORD), part);
        assert.match(readFileSync(`/proc/${pid}/cmdline`, 'latin1'), /askpass/);
        inspected = true;
      };
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `${PASSWORD}\n`);
    assert.ok(inspected, 'the running askpass program was inspected');
    assert.deepEqual(seen, [{ prompt: '[sudo] password for student: ', attempt: 1 }]);
    for (const file of readdirSync(dir)) {
      const path = join(dir, file);
      if (statSync(path).isFile()) assert.ok(!readFileSync(path, 'latin1').includes(PASSWORD), file);
    }
  } finally {
    askpass.dispose();
  }
});

test('askpass: a dismissed prompt exits 1 with nothing on stdout; each call is the next attempt', async () => {
  const attempts: number[] = [];
  const answers = ['wrong', undefined, ''];
  const askpass = await startAskpass(({ attempt }) => {
    attempts.push(attempt);
    return Promise.resolve(answers[attempt - 1]);
  });
  try {
    const wrong = await runAskpass(askpass.env, 'Password: ');
    assert.deepEqual([wrong.code, wrong.stdout], [0, 'wrong\n']);
    const cancelled = await runAskpass(askpass.env, 'Password: ');
    assert.deepEqual([cancelled.code, cancelled.stdout], [1, '']);
    const empty = await runAskpass(askpass.env, 'Password: ');
    assert.deepEqual([empty.code, empty.stdout], [1, '']);
    assert.deepEqual(attempts, [1, 2, 3]);
  } finally {
    askpass.dispose();
  }
});

test('askpass: dispose removes the directory with its socket and script', async () => {
  const askpass = await startAskpass(() => Promise.resolve(PASSWORD));
  const dir = dirname(askpass.env.SUDO_ASKPASS!);
  assert.ok(existsSync(askpass.env.PORTLAB_ASKPASS_SOCKET!));
  askpass.dispose();
  assert.ok(!existsSync(dir));
});

test('askpass run by hand (no socket in the environment): one line on stderr, exit 2', async () => {
  const askpass = await startAskpass(() => Promise.resolve(PASSWORD));
  try {
    const result = await runAskpass({ SUDO_ASKPASS: askpass.env.SUDO_ASKPASS! }, 'Password: ');
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^portlab: askpass is run by sudo .*\n$/);
  } finally {
    askpass.dispose();
  }
});
