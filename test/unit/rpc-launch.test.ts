import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CAP_NET_RAW, CAP_SYS_ADMIN, hasCapability, parseProcStatus } from '../../src/base/proc-status';
import { explainLaunchFailure, planLaunch, type LaunchEnvironment, type LaunchFailure } from '../../src/helper/launch';

/** /proc/<pid>/status as Linux prints it for root, a setcap'd node and an ordinary user. */
const status = (capEff: string) =>
  `Name:\tnode\nUmask:\t0022\nState:\tS (sleeping)\nUid:\t1000\t1000\t1000\t1000\nCapInh:\t0000000000000000\nCapPrm:\t${capEff}\nCapEff:\t${capEff}\nCapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000000\nNoNewPrivs:\t0\n`;
const ROOT = status('000001ffffffffff');
const SETCAP_NODE = status('0000000000003000'); // cap_net_admin (12) + cap_net_raw (13)
const USER = status('0000000000000000');

test('CapEff is parsed from real /proc status text, not from the uid', () => {
  assert.equal(parseProcStatus(ROOT).capEff, 0x1ffffffffffn);
  assert.equal(parseProcStatus(SETCAP_NODE).capEff, 0x3000n);
  assert.ok(hasCapability(parseProcStatus(SETCAP_NODE).capEff, CAP_NET_RAW));
  assert.ok(!hasCapability(parseProcStatus(SETCAP_NODE).capEff, CAP_SYS_ADMIN));
  assert.ok(!hasCapability(parseProcStatus(USER).capEff, CAP_NET_RAW));
  // uid 0 without capabilities (e.g. a container that dropped them) is not privileged
  assert.ok(!hasCapability(parseProcStatus(USER.replace('Uid:\t1000\t1000\t1000\t1000', 'Uid:\t0\t0\t0\t0')).capEff, CAP_NET_RAW));
  assert.throws(() => parseProcStatus('Name:\tnode\n'), /no CapEff/);
  // this very process: the line exists and parses
  assert.equal(typeof parseProcStatus(readFileSync('/proc/self/status', 'utf8')).capEff, 'bigint');
});

const bins: Record<string, string> = { pkexec: '/usr/bin/pkexec', sudo: '/usr/bin/sudo', ip: '/usr/sbin/ip' };
/** The CLI's case by default: the helper's node is the very binary that runs the caller. */
const env = (statusText: string, over: Partial<LaunchEnvironment> = {}, available = Object.keys(bins)): LaunchEnvironment => ({
  capEff: parseProcStatus(statusText).capEff,
  graphical: true,
  terminal: false,
  which: (p) => (available.includes(p) ? bins[p] : undefined),
  isThisProcessBinary: (p) => p === '/usr/bin/node',
  fileCapabilities: () => [],
  installedHelper: () => undefined,
  userName: 'student',
  ...over,
});
/** VS Code's case: the caller is Electron, the helper's node another binary that setcap may have given CAP_NET_RAW. */
const ELECTRON = { isThisProcessBinary: (p: string) => p === '/usr/share/code/code' };
const opts = { cliPath: '/ext/out/cli.js', captureDir: '/home/s/.cache/portlab', nodePath: '/usr/bin/node' };
const helper = ['/ext/out/cli.js', 'helper', '--capture-dir', '/home/s/.cache/portlab'];

test('with CAP_NET_RAW in effect the helper runs directly', () => {
  assert.deepEqual(planLaunch(opts, env(SETCAP_NODE)), [{ method: 'direct', command: '/usr/bin/node', args: helper }]);
  assert.deepEqual(planLaunch(opts, env(ROOT)), [{ method: 'direct', command: '/usr/bin/node', args: helper }]);
});

test('connect scans only: no elevation even without capabilities', () => {
  assert.deepEqual(planLaunch({ ...opts, rawSockets: false }, env(USER)), [{ method: 'direct', command: '/usr/bin/node', args: helper }]);
});

test('without the capability: pkexec in a graphical session, then sudo -n', () => {
  assert.deepEqual(planLaunch(opts, env(USER)), [
    { method: 'pkexec', command: '/usr/bin/pkexec', args: ['/usr/bin/node', ...helper] },
    { method: 'sudo', command: '/usr/bin/sudo', args: ['-n', '--', '/usr/bin/node', ...helper] },
  ]);
  assert.deepEqual(
    planLaunch(opts, env(USER, { graphical: false })).map((p) => p.method),
    ['sudo'],
  );
});

test('a caller that is not the node binary tries that node directly first, and elevates only if it lacks CAP_NET_RAW', () => {
  assert.deepEqual(planLaunch(opts, env(USER, ELECTRON)), [
    { method: 'direct', command: '/usr/bin/node', args: helper, tentative: true },
    { method: 'pkexec', command: '/usr/bin/pkexec', args: ['/usr/bin/node', ...helper] },
    { method: 'sudo', command: '/usr/bin/sudo', args: ['-n', '--', '/usr/bin/node', ...helper] },
  ]);
  // with neither pkexec nor sudo, the setcap'd node is the only way left; startHelper explains if it fails
  assert.deepEqual(planLaunch(opts, env(USER, ELECTRON, ['ip'])), [{ method: 'direct', command: '/usr/bin/node', args: helper, tentative: true }]);
  // the CLI runs on that node itself: lacking the capability, so does the binary, and no direct try is wasted
  assert.ok(planLaunch(opts, env(USER)).every((p) => p.method !== 'direct'));
  // file capabilities cannot enter a namespace: no direct try there
  assert.deepEqual(
    planLaunch({ ...opts, netns: 'portlab30-scanner' }, env(USER, ELECTRON)).map((p) => p.method),
    ['pkexec', 'sudo'],
  );
});

test("ranges allowed at launch become the helper's --allow-target arguments", () => {
  assert.deepEqual(planLaunch({ ...opts, allowTargets: ['10.9.0.0/24', '10.8.0.1/32'] }, env(ROOT))[0]!.args, [
    ...helper,
    '--allow-target',
    '10.9.0.0/24',
    '--allow-target',
    '10.8.0.1/32',
  ]);
});

test('a network namespace wraps the helper in ip netns exec, which needs CAP_SYS_ADMIN', () => {
  const netns = { ...opts, netns: 'portlab30-scanner' };
  const inNs = ['netns', 'exec', 'portlab30-scanner', '/usr/bin/node', ...helper];
  assert.deepEqual(planLaunch(netns, env(ROOT)), [{ method: 'direct', command: '/usr/sbin/ip', args: inNs }]);
  // CAP_NET_RAW alone cannot enter a namespace
  assert.deepEqual(planLaunch(netns, env(SETCAP_NODE))[0], { method: 'pkexec', command: '/usr/bin/pkexec', args: ['/usr/sbin/ip', ...inNs] });
});

test('no capability, no pkexec, no sudo: the message says what to install or run', () => {
  assert.throws(
    () => planLaunch(opts, env(USER, {}, ['ip'])),
    (err: Error) => {
      assert.match(err.message, /need the CAP_NET_RAW capability/);
      assert.match(err.message, /sudo apt install policykit-1/);
      assert.match(err.message, /sudo setcap cap_net_raw\+ep \/usr\/bin\/node/);
      return true;
    },
  );
});

const fail = (f: Partial<LaunchFailure>): LaunchFailure => ({ method: 'pkexec', nodePath: '/usr/bin/node', stderr: '', ...f });

test('each launch failure becomes a student-readable message with its fix, and the command a copy button hands over', () => {
  const setup = /sudo \/usr\/bin\/node \S+\/out\/cli\.js setup-privileges/;
  const table: [Partial<LaunchFailure>, RegExp, boolean, (string | RegExp)?][] = [
    [{ exitCode: 126 }, /password dialog was closed.*Fix: run the scan again.*setup-privileges.*sudo setcap cap_net_raw\+ep \/usr\/bin\/node/, false, setup],
    [
      { exitCode: 127, stderr: 'Error executing command as another user: Not authorized\n' },
      /not allowed to run the PortLab helper as administrator.*setup-privileges.*sudo setcap cap_net_raw\+ep/,
      false,
      setup,
    ],
    [
      { exitCode: 127, stderr: 'Error executing command as another user: No authentication agent found.\n' },
      /no password dialog \(polkit authentication agent\)/,
      true,
    ],
    [
      { method: 'sudo', exitCode: 1, stderr: 'sudo: a password is required\n' },
      /sudo needs your password.*Fix: let sudo start an installed, root-owned PortLab helper.*setup-privileges; or give Node.js the one capability raw scans need: sudo setcap cap_net_raw\+ep \/usr\/bin\/node/,
      false,
      setup,
    ],
    [
      { method: 'sudo', exitCode: 1, stderr: 'student is not in the sudoers file.  This incident will be reported.\n' },
      /may not use sudo.*setup-privileges/,
      false,
      setup,
    ],
    // only a portlab.nodePath naming no program: the default runtime is the one running
    [
      { method: 'direct', spawnError: 'ENOENT' },
      /Node.js was not found at \/usr\/bin\/node\. Fix: set "portlab.nodePath" to a Node.js 18 or later, or leave it empty/,
      false,
      undefined,
    ],
    // sudo 1.9's own words (as root: sudo -n /nonexistent/node)
    [
      { method: 'sudo', nodePath: '/nonexistent/node', exitCode: 1, stderr: 'sudo: /nonexistent/node: command not found\n' },
      /Node.js was not found at \/nonexistent\/node\..*Fix: set "portlab.nodePath"/,
      false,
      undefined,
    ],
    [
      { method: 'pkexec', nodePath: '/nonexistent/node', exitCode: 127, stderr: 'Cannot run program /nonexistent/node: No such file or directory\n' },
      /Node.js was not found at \/nonexistent\/node/,
      false,
      undefined,
    ],
    [
      { method: 'direct', exitCode: 1, stderr: 'Cannot open network namespace "portlab30-scanner": No such file or directory\n' },
      /namespace does not exist.*portlab lab up/,
      false,
      'portlab lab up',
    ],
    [{ method: 'direct', exitCode: null, signal: 'SIGKILL' }, /helper was killed by SIGKILL before answering/, false],
    [
      { method: 'direct', exitCode: 3, stderr: 'boom\nportlab: capture dir missing\n' },
      /exited with code 3 before answering: portlab: capture dir missing/,
      false,
    ],
  ];
  for (const [failure, message, retry, command] of table) {
    const explained = explainLaunchFailure(fail(failure));
    assert.match(explained.error.message, message, JSON.stringify(failure));
    assert.equal(explained.retry, retry, JSON.stringify(failure));
    if (command instanceof RegExp) assert.match(explained.error.command ?? '', command, JSON.stringify(failure));
    else assert.equal(explained.error.command, command, JSON.stringify(failure));
  }
});

test('sudo without a password to give: setup-privileges or setcap, never "sudo -v" nor a sudoers rule naming the CLI', () => {
  const command = ['/usr/bin/node', ...helper];
  const { error, retry } = explainLaunchFailure(
    fail({ method: 'sudo', exitCode: 1, stderr: 'sudo: a password is required\n', sudoCommand: command, userName: 'student' }),
  );
  assert.equal(retry, false);
  assert.equal(error.problem.kind, 'password-required');
  assert.deepEqual(
    error.fixes.map((f) => f.kind),
    ['setup-privileges', 'setcap'],
  );
  assert.doesNotMatch(error.message, /sudo -v|NOPASSWD|\/ext\/out\/cli\.js/);
  assert.doesNotMatch(error.message, /\n/);
  // inside a namespace sudo runs ip, and a capability on node would not help
  const inNs = ['/usr/sbin/ip', 'netns', 'exec', 'portlab30-scanner', ...command];
  const ns = explainLaunchFailure(
    fail({ method: 'sudo', exitCode: 1, stderr: 'sudo: a password is required\n', sudoCommand: inNs, userName: 'student' }),
  ).error;
  assert.doesNotMatch(ns.message, /setcap|NOPASSWD/);
  assert.match(ns.message, /in a terminal/);
});
