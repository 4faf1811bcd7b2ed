import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CLI, NODE, namespaces, rootSkip, run } from '../support/lab-env';

/**
 * Bad input to `portlab scan` (issue 2, item 10): one clear line on stderr, exit code 2, nothing on
 * stdout, never a stack trace. The interface-down case needs a namespace of its own (made here).
 */
const NS = 'portlab73-bad';

async function scan(args: string[], wrap: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  const [cmd, ...rest] = [...wrap, NODE, CLI, 'scan', ...args];
  try {
    const { stdout, stderr } = await run(cmd!, rest, { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function assertOneLine(r: { code: number; stdout: string; stderr: string }, says: RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line, got:\n${r.stderr}`);
  assert.match(lines[0]!, /^portlab: /);
  assert.match(lines[0]!, says);
}

const CASES: [string, string[], RegExp][] = [
  ['an unknown technique', ['127.0.0.1', '-p', '22', '-sQ'], /unknown scan technique -sQ/],
  ['no technique letters', ['127.0.0.1', '-p', '22', '-s', ''], /-s needs technique letters/],
  ['a port above 65535', ['127.0.0.1', '-p', '99999', '-sT'], /99999/],
  ['a port range backwards', ['127.0.0.1', '-p', '30-20', '-sT'], /30-20/],
  ['a port list that is not one', ['127.0.0.1', '-p', 'a-b', '-sT'], /a-b/],
  ['an empty target', ['', '-p', '22', '-sT'], /target is empty/],
  ['a name that does not resolve', ['no-such-host.invalid', '-p', '22', '-sT'], /cannot resolve target "no-such-host\.invalid"/],
  ['a public address', ['8.8.8.8', '-p', '22', '-sT'], /8\.8\.8\.8 is outside the lab ranges.*--allow-target/],
  ['an interface that does not exist', ['127.0.0.1', '-p', '22', '-sS', '-e', 'nosuch0'], /nosuch0/],
  ['a bad rate', ['127.0.0.1', '-p', '22', '-sT', '--rate', 'fast'], /--rate/],
];

describe('portlab scan: bad input is one line and exit code 2', () => {
  for (const [what, args, says] of CASES) test(what, async () => assertOneLine(await scan(args), says));

  test('a raw technique without CAP_NET_RAW, and no way to get it, says how to get it', { skip: rootSkip }, async () => {
    // as nobody, whom sudo asks for a password (no sudoers rule) and who has no graphical session for pkexec
    const wrap = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', 'env', '-u', 'DISPLAY', '-u', 'WAYLAND_DISPLAY'];
    assertOneLine(await scan(['127.0.0.1', '-p', '22', '-sS'], wrap), /setcap cap_net_raw/);
  });
});

describe('portlab scan: an interface that is down is one line and exit code 2', { skip: rootSkip }, () => {
  before(async () => {
    if ((await namespaces()).includes(NS)) await run('ip', ['netns', 'del', NS]);
    await run('ip', ['netns', 'add', NS]);
    await run('ip', ['-n', NS, 'link', 'add', 'pl73d', 'type', 'veth', 'peer', 'name', 'pl73e']); // left down
    await run('ip', ['-n', NS, 'addr', 'add', '198.18.73.1/24', 'dev', 'pl73d']);
  });
  after(async () => {
    if ((await namespaces()).includes(NS)) await run('ip', ['netns', 'del', NS]);
  });
  test('SYN scan out of it', async () =>
    assertOneLine(await scan(['198.18.73.2', '-p', '22', '-sS', '-e', 'pl73d'], ['ip', 'netns', 'exec', NS]), /pl73d.*down|down.*pl73d|no route/));
});
