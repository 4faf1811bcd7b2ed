import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  explainLaunchFailure,
  HelperLaunchError,
  nodeCapabilitiesError,
  noElevationError,
  noRawSocketsError,
  planLaunch,
  type LaunchEnvironment,
  type LaunchFailure,
} from '../../src/helper/launch';
import { INSTALLED_CLI, readInstallRecord, rootOnly, sudoersRule } from '../../src/helper/installed-helper';
import { missingCapNetRaw } from '../../src/link/privilege';
import { extraFileCapabilities, nodeCapabilitiesProblem, parseGetcap } from '../../src/helper/privileges';
import type { Askpass } from '../../src/helper/askpass';

const bins: Record<string, string> = { pkexec: '/usr/bin/pkexec', sudo: '/usr/bin/sudo', ip: '/usr/sbin/ip' };
/** An ordinary student without capabilities, no graphical session, no terminal, nothing installed. */
const env = (over: Partial<LaunchEnvironment> = {}): LaunchEnvironment => ({
  capEff: 0n,
  graphical: false,
  terminal: false,
  which: (p) => bins[p],
  isThisProcessBinary: (p) => p === '/usr/bin/node',
  fileCapabilities: () => [],
  installedHelper: () => undefined,
  userName: 'student',
  ...over,
});
const opts = { cliPath: '/home/s/.vscode/extensions/portlab/out/cli.js', captureDir: '/home/s/.cache/portlab', nodePath: '/usr/bin/node' };
const helper = ['/usr/bin/node', opts.cliPath, 'helper', '--capture-dir', opts.captureDir];
const askpass: Askpass = {
  env: { SUDO_ASKPASS: '/tmp/portlab-askpass-x/askpass', PORTLAB_ASKPASS_SOCKET: '/tmp/portlab-askpass-x/socket' },
  dispose: () => undefined,
};

test('sudo asks through the askpass given (sudo -A, its environment), else on the terminal, else sudo -n', () => {
  assert.deepEqual(planLaunch({ ...opts, askpass }, env()), [{ method: 'sudo', command: '/usr/bin/sudo', args: ['-A', '--', ...helper], env: askpass.env }]);
  // the askpass wins over a terminal: the editor may have one it cannot show
  assert.deepEqual(planLaunch({ ...opts, askpass }, env({ terminal: true }))[0]!.args.slice(0, 2), ['-A', '--']);
  assert.deepEqual(planLaunch(opts, env({ terminal: true })), [{ method: 'sudo', command: '/usr/bin/sudo', args: ['--', ...helper], terminal: true }]);
  assert.deepEqual(planLaunch(opts, env()), [{ method: 'sudo', command: '/usr/bin/sudo', args: ['-n', '--', ...helper] }]);
  // pkexec stays first where a polkit agent can ask
  assert.deepEqual(
    planLaunch({ ...opts, askpass }, env({ graphical: true })).map((p) => p.method),
    ['pkexec', 'sudo'],
  );
});

test('the helper setup-privileges installed comes first, through sudo -n, and not inside a namespace', () => {
  const installed = { node: '/usr/bin/node', cli: INSTALLED_CLI };
  const plans = planLaunch({ ...opts, askpass }, env({ installedHelper: () => installed }));
  assert.deepEqual(plans[0], {
    method: 'sudo',
    command: '/usr/bin/sudo',
    args: ['-n', '--', '/usr/bin/node', INSTALLED_CLI, 'helper', '--capture-dir', opts.captureDir],
    installed: true,
  });
  assert.ok(plans.slice(1).every((p) => !p.installed));
  assert.deepEqual(plans[1]!.args.slice(0, 2), ['-A', '--']);
  assert.ok(planLaunch({ ...opts, netns: 'portlab90-scanner' }, env({ installedHelper: () => installed })).every((p) => !p.args.includes(INSTALLED_CLI)));
  // a rule that does not cover this user: the next way is tried
  const refused = explainLaunchFailure({
    method: 'sudo',
    nodePath: '/usr/bin/node',
    exitCode: 1,
    stderr: 'sudo: a password is required\n',
    sudoCommand: plans[0]!.args.slice(2),
    installed: plans[0]!.installed,
  });
  assert.equal(refused.retry, true);
  assert.deepEqual(refused.error.problem, { kind: 'not-allowed', method: 'sudo' });
  // the same refusal of a helper that is not the installed one is the student's to act on
  assert.equal(
    explainLaunchFailure({ method: 'sudo', nodePath: '/usr/bin/node', exitCode: 1, stderr: 'sudo: a password is required\n', sudoCommand: helper }).retry,
    false,
  );
});

test('node with file capabilities beyond cap_net_raw: one message naming them and the fix, instead of setpriv exit 126', () => {
  const capped = env({ fileCapabilities: (p) => (p === '/usr/bin/node' ? ['cap_net_admin', 'cap_net_raw'] : []) });
  assert.throws(
    () => planLaunch(opts, capped),
    (err: unknown) => {
      assert.ok(err instanceof HelperLaunchError);
      assert.deepEqual(err.problem, { kind: 'node-capabilities', node: '/usr/bin/node', capabilities: ['cap_net_admin'] });
      assert.match(err.message, /carries the file capabilities cap_net_admin, beyond cap_net_raw.*bounding set.*126/);
      assert.match(err.message, /sudo setcap cap_net_raw\+ep \/usr\/bin\/node.*sudo setcap -r \/usr\/bin\/node/);
      assert.equal(err.command, 'sudo setcap cap_net_raw+ep /usr/bin/node');
      return true;
    },
  );
  // the helper itself, started as root some other way, says the very same before its setpriv
  assert.equal(nodeCapabilitiesProblem('/usr/bin/node', ['cap_net_admin']).join(' Fix: '), nodeCapabilitiesError('/usr/bin/node', ['cap_net_admin']).message);
  assert.equal(
    nodeCapabilitiesProblem('/usr/bin/node', ['cap_net_admin'])[1],
    'give Node.js the one capability raw scans need: sudo setcap cap_net_raw+ep /usr/bin/node; or remove them all: sudo setcap -r /usr/bin/node',
  );
  // cap_net_raw alone is what the helper keeps: no objection
  assert.equal(planLaunch(opts, env({ fileCapabilities: () => ['cap_net_raw'] }))[0]!.method, 'sudo');
  // the lab role keeps root and is not confined
  assert.equal(planLaunch({ ...opts, lab: true }, capped)[0]!.method, 'sudo');
  // unknown (no getcap): nothing to object to
  assert.equal(planLaunch(opts, env({ fileCapabilities: () => undefined }))[0]!.method, 'sudo');
});

test("getcap's two formats, and =ep meaning all", () => {
  assert.deepEqual(parseGetcap('/usr/bin/node cap_net_admin,cap_net_raw=eip\n', '/usr/bin/node'), ['cap_net_admin', 'cap_net_raw']);
  assert.deepEqual(parseGetcap('/usr/bin/node = cap_net_admin,cap_net_raw+eip\n', '/usr/bin/node'), ['cap_net_admin', 'cap_net_raw']);
  assert.deepEqual(parseGetcap('/usr/bin/node cap_net_raw=ep\n', '/usr/bin/node'), ['cap_net_raw']);
  assert.deepEqual(parseGetcap('/usr/bin/node =ep\n', '/usr/bin/node'), ['all']);
  assert.deepEqual(parseGetcap('', '/usr/bin/node'), []);
  assert.deepEqual(extraFileCapabilities(['cap_net_raw', 'cap_sys_admin']), ['cap_sys_admin']);
  assert.deepEqual(extraFileCapabilities(undefined), []);
});

const fail = (f: Partial<LaunchFailure>): LaunchFailure => ({ method: 'sudo', nodePath: '/usr/bin/node', stderr: '', sudoCommand: helper, ...f });

test("sudo's own words after askpass: dismissed → cancelled, three wrong passwords → wrong-password, told apart by kind", () => {
  const cancelled = explainLaunchFailure(fail({ exitCode: 1, stderr: 'sudo: no password was provided\n' }));
  assert.equal(cancelled.retry, false);
  assert.deepEqual(cancelled.error.problem, { kind: 'cancelled', method: 'sudo' });
  const wrong = explainLaunchFailure(fail({ exitCode: 1, stderr: 'Sorry, try again.\nSorry, try again.\nsudo: 3 incorrect password attempts\n' }));
  assert.equal(wrong.retry, false);
  assert.deepEqual(wrong.error.problem, { kind: 'wrong-password' });
  assert.match(wrong.error.message, /wrong at each try/);
});

test('no fix anywhere suggests cap_net_admin, a sudoers rule or a path the student can write', () => {
  const stderrs = [
    'sudo: a password is required\n',
    'sudo: a terminal is required to read the password\n',
    'sudo: no password was provided\n',
    'sudo: 3 incorrect password attempts\n',
    'student is not in the sudoers file.\n',
  ];
  const errors = [
    ...stderrs.map((stderr) => explainLaunchFailure(fail({ exitCode: 1, stderr })).error),
    explainLaunchFailure(fail({ method: 'pkexec', exitCode: 126 })).error,
    explainLaunchFailure(fail({ method: 'pkexec', exitCode: 127, stderr: 'Not authorized\n' })).error,
    noElevationError('/usr/bin/node'),
  ];
  for (const error of errors) {
    assert.doesNotMatch(error.message, /cap_net_admin|NOPASSWD|sudoers\.d|\/home\/s\//, error.message);
    assert.ok(error.fixes.every((f) => !('command' in f) || !f.command.includes('/home/s/')));
  }
  const withSetup = errors.filter((e) => e.fixes.some((f) => f.kind === 'setup-privileges'));
  assert.ok(withSetup.length >= 5);
  // setup-privileges first, the setcap line second
  for (const e of withSetup)
    assert.deepEqual(
      e.fixes.filter((f) => f.kind === 'setup-privileges' || f.kind === 'setcap').map((f) => f.kind),
      ['setup-privileges', 'setcap'],
    );
});

test('the sudoers rule setup-privileges installs: the installed helper only, escaped for sudoers', () => {
  assert.equal(
    sudoersRule('%sudo', { node: '/usr/bin/node', cli: INSTALLED_CLI }),
    '%sudo ALL=(root) NOPASSWD: /usr/bin/node /usr/local/lib/portlab/out/cli.js helper *\n',
  );
  assert.equal(
    sudoersRule('student', { node: '/opt/my node/bin/node', cli: INSTALLED_CLI }),
    'student ALL=(root) NOPASSWD: /opt/my\\ node/bin/node /usr/local/lib/portlab/out/cli.js helper *\n',
  );
  // installed from the editor's Electron: the rule names env setting ELECTRON_RUN_AS_NODE, its = escaped
  assert.equal(
    sudoersRule('%sudo', { node: '/usr/share/code/code', cli: INSTALLED_CLI, env: '/usr/bin/env' }),
    '%sudo ALL=(root) NOPASSWD: /usr/bin/env ELECTRON_RUN_AS_NODE\\=1 /usr/share/code/code /usr/local/lib/portlab/out/cli.js helper *\n',
  );
});

test('rootOnly: a file any user could write, or one under such a directory, is not trusted', () => {
  assert.equal(rootOnly('/'), true);
  const dir = mkdtempSync(join(tmpdir(), 'portlab-rootonly-'));
  try {
    const file = join(dir, 'cli.js');
    writeFileSync(file, '', { mode: 0o666 });
    assert.equal(rootOnly(file), false);
    assert.equal(rootOnly(join(dir, 'missing')), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(rootOnly('/tmp'), false, 'world-writable');
});

test("a launch error's fix and command are its fixes' words and first command line", () => {
  const error = noElevationError('/usr/bin/node');
  assert.equal(
    error.fix,
    'install the password dialog: sudo apt install policykit-1; or give Node.js the one capability raw scans need: sudo setcap cap_net_raw+ep /usr/bin/node',
  );
  assert.equal(error.command, 'sudo apt install policykit-1');
  assert.ok(error.message.endsWith(` Fix: ${error.fix}`));
  const bare = new HelperLaunchError('The PortLab helper could not be started.');
  assert.deepEqual([bare.fix, bare.command, bare.problem, bare.message], [undefined, undefined, { kind: 'other' }, 'The PortLab helper could not be started.']);
  const enter = explainLaunchFailure(fail({ method: 'pkexec', exitCode: 126 })).error;
  assert.equal(enter.fixes[0]!.kind, 'enter-password');
  assert.equal(enter.command, enter.fixes.find((f) => f.kind === 'setup-privileges' && 'command' in f)?.command, 'the first fix with a command line');
});

test('a helper started without CAP_NET_RAW: its own kind, and the setcap fix', () => {
  const error = noRawSocketsError('sudo', '/usr/bin/node');
  assert.deepEqual(error.problem, { kind: 'no-raw-sockets', method: 'sudo' });
  assert.deepEqual(error.fixes, [{ kind: 'setcap', command: 'sudo setcap cap_net_raw+ep /usr/bin/node' }]);
  assert.equal(error.command, 'sudo setcap cap_net_raw+ep /usr/bin/node');
  assert.match(
    error.message,
    /started \(sudo\) without the CAP_NET_RAW capability.*docker run --cap-add NET_RAW.*Fix: give Node\.js the one capability raw scans need: sudo setcap cap_net_raw\+ep \/usr\/bin\/node$/,
  );
});

test('without CAP_NET_RAW in process, the setcap line names the binary running it (there may be no node on PATH)', () => {
  assert.equal(
    missingCapNetRaw('capturing').message,
    `capturing needs CAP_NET_RAW: run as root or grant it with \`sudo setcap cap_net_raw+ep ${realpathSync(process.execPath)}\` (connect scans, -sT, work without it)`,
  );
});

test("setup-privileges' record: read against its schema, anything else is no record", () => {
  const dir = mkdtempSync(join(tmpdir(), 'portlab-record-'));
  try {
    const file = join(dir, 'installed.json');
    const record = { node: '/usr/bin/node', cli: INSTALLED_CLI, files: ['/etc/sudoers.d/portlab'], who: '%sudo' };
    writeFileSync(file, JSON.stringify(record));
    assert.deepEqual(readInstallRecord(file), record);
    for (const bad of ['{', '[]', JSON.stringify({ ...record, node: 1 }), JSON.stringify({ node: '/usr/bin/node', cli: INSTALLED_CLI })]) {
      writeFileSync(file, bad);
      assert.equal(readInstallRecord(file), undefined, bad);
    }
    assert.equal(readInstallRecord(join(dir, 'missing.json')), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
