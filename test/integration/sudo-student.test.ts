import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { labDown, labTopology, labUp } from '../../src/lab';
import { ScanDocument } from '../../src/protocol';

/**
 * A non-root student whose sudo asks a password, end to end: sudo's own prompt in a terminal, the
 * CLI without one, a wrong password, the askpass channel (the password in no argv, environment or
 * file), and `portlab setup-privileges` making the password unnecessary. Only 127.0.0.1 is scanned.
 */
const ROOT = resolve(__dirname, '..', '..');
const CLI = join(ROOT, 'out', 'cli.js');
const NODE = process.execPath;
const USER = `plstu${process.pid % 100000}`;
const PASSWORD = `pl-${randomBytes(12).toString('base64url')}`;
const SUDOERS = `/etc/sudoers.d/${USER}`;
const INSTALL_DIR = '/usr/local/lib/portlab';
const LAB_ID = 93;
/** One TCP port of each kind of the lab (src/lab/truth.ts), in port order. */
const TCP = { open: 22, closed: 23, drop: 25, reject: 110 };
const PORTLAB_SUDOERS = '/etc/sudoers.d/portlab';

const missing = ['/usr/bin/sudo', '/usr/sbin/useradd', '/usr/sbin/runuser', '/usr/sbin/visudo'].filter((p) => !existsSync(p));
const SKIP = process.getuid?.() !== 0 ? 'needs root (useradd, sudoers)' : missing.length > 0 ? `needs ${missing.join(', ')}` : false;

/** Runs argv in a new pseudo-terminal and types the next answer whenever a password prompt appears (stdin: the answers, as JSON). */
const IN_PTY = `import json, os, pty, select, sys, time
answers = json.loads(sys.stdin.readline())
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
out, since, deadline = b'', 0, time.time() + 100
while time.time() < deadline:
    if fd not in select.select([fd], [], [], 1)[0]:
        continue
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    out += data
    if b'assword' in out[since:] and answers:
        since = len(out)
        time.sleep(0.2)
        os.write(fd, (answers.pop(0) + '\\n').encode())
else:
    os.kill(pid, 9)
status = os.waitpid(pid, 0)[1]
sys.stdout.write(out.decode('utf-8', 'replace'))
sys.exit(os.waitstatus_to_exitcode(status))
`;

/** As the student: the password arrives on stdin, goes to startAskpass only, and the helper is started through it. */
const ASKPASS_DRIVER = `import { createInterface } from 'node:readline';
import { labDown, labTopology, labUp } from '../../src/lab';
import { ScanDocument } from '../../src/protocol';
import { dirname } from 'node:path';
import { startAskpass } from ${JSON.stringify(join(ROOT, 'src', 'helper', 'askpass'))};
import { startHelper } from ${JSON.stringify(join(ROOT, 'src', 'helper', 'client'))};
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
void (async () => {
  const password = (await lines.next()).value as string;
  const askpass = await startAskpass(async () => password);
  const client = await startHelper({ cliPath: ${JSON.stringify(CLI)}, captureDir: process.env.HOME + '/.cache', askpass });
  const hello = await client.hello();
  process.stdout.write(JSON.stringify({ method: client.method, raw: hello.rawSockets, dir: dirname(askpass.env.SUDO_ASKPASS!) }) + '\\n');
  await lines.next();
  await client.close();
  askpass.dispose();
})();
`;

let work = '';
let installedHere = false;
const studentEnv = () => ['env', '-i', `HOME=/home/${USER}`, 'PATH=/usr/local/bin:/usr/bin:/bin', `USER=${USER}`, `LOGNAME=${USER}`, 'TERM=dumb'];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command; `detached` puts it in a session of its own, with no terminal at all. */
function run(command: string, args: string[], options: { input?: string; cwd?: string } = {}): Promise<Run> {
  const child = spawn(command, args, { cwd: options.cwd ?? work, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(options.input ?? '');
  return new Promise((done) => child.once('close', (code) => done({ code, stdout, stderr })));
}

/** The student's `portlab scan 127.0.0.1 -p PORTS -sS` in a terminal, answering sudo's prompts in turn. */
const scanInPty = (answers: string[], ports = '22,23') =>
  run('python3', [join(work, 'in_pty.py'), 'runuser', '-u', USER, '--', ...studentEnv(), NODE, CLI, 'scan', '127.0.0.1', '-p', ports, '-sS'], {
    input: `${JSON.stringify(answers)}\n`,
  });
/** The same scan with no terminal. */
const scanNoTty = () => run('runuser', ['-u', USER, '--', ...studentEnv(), NODE, CLI, 'scan', '127.0.0.1', '-p', '22,23', '-sS']);
const prompts = (output: string) => output.match(/\[sudo\] password for /g)?.length ?? 0;

/** Every regular file under `dir` (not following links), skipping the very large. */
function* filesUnder(dir: string): Generator<string> {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of entries) {
    const path = join(dir, name);
    const stat = lstatSync(path, { throwIfNoEntry: false });
    if (stat?.isDirectory()) yield* filesUnder(path);
    else if (stat?.isFile() && stat.size < 50_000_000) yield path;
  }
}

describe('a student whose sudo asks a password', { skip: SKIP, timeout: 600_000 }, () => {
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'portlab-sudo-student-'));
    chmodSync(work, 0o755);
    writeFileSync(join(work, 'in_pty.py'), IN_PTY, { mode: 0o644 });
    writeFileSync(join(work, 'askpass-driver.ts'), ASKPASS_DRIVER, { mode: 0o644 });
    execFileSync('useradd', ['-m', '-s', '/bin/bash', USER]);
    execFileSync('chpasswd', [], { input: `${USER}:${PASSWORD}\n` });
    const draft = join(work, 'sudoers');
    writeFileSync(draft, `${USER} ALL=(ALL:ALL) ALL\n`, { mode: 0o440 });
    execFileSync('visudo', ['-cf', draft]);
    execFileSync('install', ['-m', '0440', '-o', 'root', '-g', 'root', draft, SUDOERS]);
    rmSync(draft);
    // The student runs this checkout's out/cli.js and, for the askpass driver, its sources and tsx.
    execFileSync('runuser', ['-u', USER, '--', 'test', '-r', CLI, '-a', '-r', join(ROOT, 'node_modules', 'tsx', 'package.json')]);
  });

  after(() => {
    if (installedHere && existsSync(join(INSTALL_DIR, 'installed.json'))) execFileSync(NODE, [CLI, 'setup-privileges', '--undo'], { cwd: ROOT });
    rmSync(SUDOERS, { force: true });
    try {
      // -f: a process of the student's that a failed test left behind must not keep the account
      execFileSync('userdel', ['-r', '-f', USER], { stdio: 'ignore' });
    } catch {
      // already gone
    }
    rmSync(work, { recursive: true, force: true });
  });

  test('in a terminal: sudo prompts once, the password typed there, the scan prints its results', async () => {
    const r = await scanInPty([PASSWORD]);
    assert.equal(r.code, 0, r.stdout);
    assert.equal(prompts(r.stdout), 1, r.stdout);
    assert.match(r.stdout, /22\/tcp\s+(open|closed)\s/);
    assert.match(r.stdout, /23\/tcp\s+(open|closed)\s/);
  });

  test(`a connect scan of lab ${LAB_ID}'s target over its host link: no elevation at all, the lab's truth`, async () => {
    await labUp(LAB_ID);
    try {
      const target = labTopology(LAB_ID).target.address;
      const ports = [TCP.open, TCP.closed, TCP.drop, TCP.reject].join(',');
      const r = await run('runuser', ['-u', USER, '--', ...studentEnv(), NODE, CLI, 'scan', target, '-p', ports, '-sT', '--json']);
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /sudo|password/i);
      const states = ScanDocument.parse(JSON.parse(r.stdout)).results.map((x) => [x.port, x.state, x.reason]);
      assert.deepEqual(states, [
        [TCP.open, 'open', 'syn-ack'],
        [TCP.closed, 'closed', 'conn-refused'],
        [TCP.drop, 'filtered', 'no-response'],
        [TCP.reject, 'filtered', 'host-unreach'],
      ]);
    } finally {
      await labDown(LAB_ID);
    }
  });

  test('without a terminal: one line on stderr saying what to do, exit 2', async () => {
    const r = await scanNoTty();
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^portlab: sudo needs your password[^\n]*setup-privileges[^\n]*sudo setcap cap_net_raw\+ep [^\n]*\n$/);
    assert.doesNotMatch(r.stderr, /cap_net_admin|NOPASSWD/);
  });

  test('a wrong password, then the right one: sudo asks again and the scan runs', async () => {
    const r = await scanInPty([`wrong-${PASSWORD}`, PASSWORD], '22');
    assert.equal(r.code, 0, r.stdout);
    assert.equal(prompts(r.stdout), 2, r.stdout);
    assert.match(r.stdout, /Sorry, try again/);
    assert.match(r.stdout, /22\/tcp\s+(open|closed)\s/);
  });

  test('three wrong passwords: the error says so, exit 2', async () => {
    const r = await scanInPty(['wrong-1', 'wrong-2', 'wrong-3'], '22');
    assert.equal(r.code, 2, r.stdout);
    assert.equal(prompts(r.stdout), 3, r.stdout);
    assert.match(r.stdout, /portlab: sudo refused the password: it was wrong at each try/);
  });

  test('a helper started through askpass: the password is in no process argv or environment, nor in any file under /tmp', async () => {
    const child = spawn('runuser', ['-u', USER, '--', ...studentEnv(), NODE, '--import', 'tsx', join(work, 'askpass-driver.ts')], {
      cwd: ROOT,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((done) => child.once('close', done));
    try {
      child.stdin.write(`${PASSWORD}\n`);
      const first = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next();
      assert.ok(!first.done, stderr);
      const started = JSON.parse(first.value as string) as { method: string; raw: boolean; dir: string };
      assert.deepEqual([started.method, started.raw], ['sudo', true], stderr);
      assert.ok(existsSync(started.dir), 'the askpass directory exists while the helper runs');
      // the helper, its sudo and root parent, the askpass server: every process on the machine
      const leaks: string[] = [];
      for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d)))
        for (const part of ['cmdline', 'environ']) {
          try {
            if (readFileSync(`/proc/${pid}/${part}`, 'latin1').includes(PASSWORD)) leaks.push(`/proc/${pid}/${part}`);
          } catch {
            // gone, or a kernel thread
          }
        }
      for (const file of [...filesUnder('/tmp'), ...filesUnder(started.dir)])
        try {
          if (readFileSync(file, 'latin1').includes(PASSWORD)) leaks.push(file);
        } catch {
          // gone meanwhile
        }
      assert.deepEqual(leaks, []);
      child.stdin.end('done\n');
      assert.equal(await exited, 0, stderr);
      assert.ok(!existsSync(started.dir), 'dispose removed the askpass directory');
    } finally {
      if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
    }
  });

  test('setup-privileges: the raw scan then needs no password; --undo removes exactly what it installed', async (t) => {
    if (existsSync(INSTALL_DIR) || existsSync(PORTLAB_SUDOERS)) return t.skip('PortLab is installed on this machine already; not touching it');
    const setup = await run(NODE, [CLI, 'setup-privileges', '--user', USER], { cwd: ROOT });
    installedHere = true;
    assert.equal(setup.code, 0, setup.stderr);
    const sudoers = statSync(PORTLAB_SUDOERS);
    assert.deepEqual([sudoers.uid, sudoers.mode & 0o777], [0, 0o440]);
    assert.match(
      readFileSync(PORTLAB_SUDOERS, 'utf8'),
      new RegExp(`^${USER} ALL=\\(root\\) NOPASSWD: \\S+ /usr/local/lib/portlab/out/cli\\.js helper \\*$`, 'm'),
    );
    // the CLI, its bundle and the one native layer, laid out as in the extension (the loader finds build/ beside out/)
    for (const path of [
      INSTALL_DIR,
      join(INSTALL_DIR, 'out', 'cli.js'),
      join(INSTALL_DIR, 'out', 'portlab.js'),
      join(INSTALL_DIR, 'build', 'Release', 'portlab_native.node'),
    ]) {
      const stat = statSync(path);
      assert.equal(stat.uid, 0, path);
      assert.equal(stat.mode & 0o022, 0, `${path} is writable by root alone`);
    }
    const scan = await scanNoTty();
    assert.equal(scan.code, 0, scan.stderr);
    assert.match(scan.stdout, /22\/tcp\s+(open|closed)\s/);
    const undo = await run(NODE, [CLI, 'setup-privileges', '--undo'], { cwd: ROOT });
    assert.equal(undo.code, 0, undo.stderr);
    assert.ok(!existsSync(PORTLAB_SUDOERS) && !existsSync(INSTALL_DIR));
    const again = await scanNoTty();
    assert.equal(again.code, 2, 'the password is needed again');
  });
});
