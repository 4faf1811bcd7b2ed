// out/cli.js starts the bundle with V8's code cache (src/cli/start.ts): the cache is written once per command,
// kept while V8 takes it, written again when V8 refuses it, and never read from a folder someone else can write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOOL_VERSION } from '../../src/base/version';

const CLI = join(import.meta.dirname, '../../out/cli.js');
const NOBODY = 65534;

/** The one cache file of `command` (its name also names this checkout's copy of the bundle). */
function cacheOf(home: string, command: string): string {
  const files = readdirSync(join(home, 'portlab')).filter((f) => f.startsWith(`portlab-${command}-`) && f.endsWith('.v8cache'));
  assert.equal(files.length, 1, `one cache of ${command}: ${files.join(', ')}`);
  return join(home, 'portlab', files[0]!);
}

function portlab(cacheHome: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, XDG_CACHE_HOME: cacheHome } });
}

function withCacheHome(body: (home: string) => void): void {
  const home = mkdtempSync(join(tmpdir(), 'portlab-cache-'));
  try {
    body(home);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

test('the first run of a command writes its code cache; the next runs take it as it is', () =>
  withCacheHome((home) => {
    const first = portlab(home, 'scan', '--help');
    assert.equal(first.status, 0, first.stderr);
    const cache = cacheOf(home, 'scan');
    assert.match(first.stdout, /Usage: portlab scan/);
    assert.equal(statSync(join(home, 'portlab')).mode & 0o777, 0o700);
    const written = readFileSync(cache);
    assert.equal(statSync(cache).mode & 0o777, 0o600);
    const again = portlab(home, 'scan', '--help');
    assert.deepEqual([again.status, again.stdout], [0, first.stdout]);
    assert.deepEqual(readFileSync(cache), written, 'a cache V8 took is not written again');
    const version = portlab(home, '--version');
    assert.equal(version.stdout, `${TOOL_VERSION}\n`);
    assert.ok(existsSync(cacheOf(home, 'other')), 'each command its own cache');
  }));

test('a damaged cache, or one of another build, is refused and written again; the command runs as ever', () =>
  withCacheHome((home) => {
    assert.equal(portlab(home, 'scan', '--help').status, 0);
    const cache = cacheOf(home, 'scan');
    const good = readFileSync(cache);
    const keyEnd = good.indexOf(10) + 1;
    const dataStart = good.indexOf(10, keyEnd) + 1;
    const damaged = Buffer.from(good);
    for (let k = dataStart + 64; k < damaged.length; k += 97) damaged[k] ^= 0x5a;
    writeFileSync(cache, damaged);
    const run = portlab(home, 'scan', '--help');
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /Usage: portlab scan/);
    assert.notDeepEqual(readFileSync(cache), damaged, 'written again');
    const otherBuild = Buffer.concat([Buffer.from('1:2:3:x64\n'), good.subarray(keyEnd)]);
    writeFileSync(cache, otherBuild);
    assert.equal(portlab(home, 'scan', '--help').status, 0);
    assert.deepEqual(readFileSync(cache).subarray(0, keyEnd), good.subarray(0, keyEnd), 'the key of this build again');
  }));

test('writing its cache, a copy removes the caches of copies whose bundle is gone, and of the earlier key format', () =>
  withCacheHome((home) => {
    const folder = join(home, 'portlab');
    mkdirSync(folder, { mode: 0o700 });
    const planted = (name: string, key: string) => writeFileSync(join(folder, name), `${key}\n0123\ncache bytes`, { mode: 0o600 });
    planted('portlab-scan-aaaaaaaaaaaa.v8cache', `${'a'.repeat(40)}:11.3:x64:/nonexistent/portlab/out/portlab.js`);
    planted('portlab-report-bbbbbbbbbbbb.v8cache', `${'b'.repeat(40)}:11.3:x64`);
    planted('portlab-check-cccccccccccc.v8cache', `${'c'.repeat(40)}:11.3:x64:${CLI}`);
    writeFileSync(join(folder, 'notes.txt'), 'not ours');
    assert.equal(portlab(home, 'scan', '--help').status, 0);
    assert.deepEqual(readdirSync(folder).sort(), ['notes.txt', 'portlab-check-cccccccccccc.v8cache', cacheOf(home, 'scan').slice(folder.length + 1)].sort());
  }));

const asRoot = { skip: process.getuid?.() !== 0 ? 'needs root (chown, setpriv)' : false };

test('a cache folder others can write, or a cache home of another user, is not used', asRoot, () =>
  withCacheHome((home) => {
    assert.equal(portlab(home, 'scan', '--help').status, 0);
    const planted = cacheOf(home, 'scan');
    chmodSync(join(home, 'portlab'), 0o777);
    writeFileSync(planted, 'not a cache');
    const run = portlab(home, 'scan', '--help');
    assert.equal(run.status, 0, run.stderr);
    assert.equal(readFileSync(planted, 'utf8'), 'not a cache');

    const foreign = join(home, 'foreign');
    mkdirSync(foreign, { mode: 0o755 });
    chownSync(foreign, NOBODY, NOBODY);
    assert.equal(portlab(foreign, 'scan', '--help').status, 0);
    assert.ok(!existsSync(join(foreign, 'portlab')), 'nothing made in a folder of another user');
  }),
);

test("a process with a capability beyond its user's (the confined helper) uses no cache its user could write", asRoot, () =>
  withCacheHome((home) => {
    chmodSync(home, 0o755);
    const own = join(home, 'nobody');
    mkdirSync(own, { mode: 0o700 });
    chownSync(own, NOBODY, NOBODY);
    const asNobody = (...caps: string[]) =>
      spawnSync('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', ...caps, process.execPath, CLI, 'scan', '--help'], {
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, XDG_CACHE_HOME: own },
      });
    const confined = asNobody('--inh-caps=+net_raw', '--ambient-caps=+net_raw');
    assert.equal(confined.status, 0, confined.stderr);
    assert.ok(!existsSync(join(own, 'portlab')), 'no cache with CAP_NET_RAW');
    const plain = asNobody();
    assert.equal(plain.status, 0, plain.stderr);
    assert.ok(existsSync(cacheOf(own, 'scan')), 'the same user without the capability has its cache');
  }),
);
