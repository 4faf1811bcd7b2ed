import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explainLaunchFailure, helperRuntime, noElevationError, noRawSocketsError, planLaunch, type LaunchEnvironment } from '../../src/helper/launch';
import { INSTALLED_CLI, installedCommand } from '../../src/helper/installed-helper';
import { ownRuntime, runtimeCommand, runtimeEnv, startedProgram } from '../../src/helper/runtime';
import { resolveNodeRuntime } from '../../src/extension/node-path';
import type { Askpass } from '../../src/helper/askpass';

/** VS Code desktop: the extension host is the editor's Electron binary, and no node is installed. */
const CODE = '/usr/share/code/code';
const bins: Record<string, string> = { pkexec: '/usr/bin/pkexec', sudo: '/usr/bin/sudo', ip: '/usr/sbin/ip', env: '/usr/bin/env' };
const env = (over: Partial<LaunchEnvironment> = {}): LaunchEnvironment => ({
  capEff: 0n,
  graphical: false,
  terminal: false,
  which: (p) => bins[p],
  isThisProcessBinary: (p) => p === CODE,
  fileCapabilities: () => [],
  installedHelper: () => undefined,
  userName: 'student',
  ...over,
});
const electron = { cliPath: '/home/s/.vscode/extensions/portlab/out/cli.js', captureDir: '/home/s/.cache/portlab', nodePath: CODE, runAsNode: true };
const helperArgs = [electron.cliPath, 'helper', '--capture-dir', electron.captureDir];
/** What sudo and pkexec run: env sets the variable, since both start the program with an environment of their own. */
const asNode = ['/usr/bin/env', 'ELECTRON_RUN_AS_NODE=1', CODE, ...helperArgs];
const askpass: Askpass = { env: { SUDO_ASKPASS: '/tmp/a/askpass', PORTLAB_ASKPASS_SOCKET: '/tmp/a/socket' }, dispose: () => undefined };

test("the default runtime is the extension host's own; the setting overrides it, as a plain Node.js", () => {
  assert.deepEqual(resolveNodeRuntime(''), { path: process.execPath, runAsNode: false }, 'these tests run on Node.js, not Electron');
  assert.deepEqual(resolveNodeRuntime('/opt/node18/bin/node'), { path: '/opt/node18/bin/node', runAsNode: false });
  assert.deepEqual(ownRuntime(), { path: process.execPath, runAsNode: false });
  assert.deepEqual(helperRuntime({}), ownRuntime());
  assert.deepEqual(helperRuntime({ nodePath: CODE, runAsNode: true }), { path: CODE, runAsNode: true });
  assert.deepEqual(runtimeCommand({ path: '/usr/bin/node', runAsNode: false }, '/usr/bin/env'), ['/usr/bin/node']);
  assert.equal(runtimeEnv({ path: CODE, runAsNode: true }, { PATH: '/usr/bin' }).ELECTRON_RUN_AS_NODE, '1');
  assert.equal(runtimeEnv({ path: '/usr/bin/node', runAsNode: false }, { PATH: '/usr/bin' }).ELECTRON_RUN_AS_NODE, undefined);
});

test('Electron as the helper runtime: every way of starting it sets ELECTRON_RUN_AS_NODE=1 on the command line', () => {
  // root (or CAP_NET_RAW): direct, and inside a namespace through ip netns exec
  assert.deepEqual(planLaunch(electron, env({ capEff: ~0n })), [{ method: 'direct', command: '/usr/bin/env', args: asNode.slice(1) }]);
  assert.deepEqual(planLaunch({ ...electron, netns: 'portlab90-scanner' }, env({ capEff: ~0n })), [
    { method: 'direct', command: '/usr/sbin/ip', args: ['netns', 'exec', 'portlab90-scanner', ...asNode] },
  ]);
  // pkexec, sudo -A with the askpass, sudo on the terminal, sudo -n
  assert.deepEqual(planLaunch({ ...electron, askpass }, env({ graphical: true })), [
    { method: 'pkexec', command: '/usr/bin/pkexec', args: asNode },
    { method: 'sudo', command: '/usr/bin/sudo', args: ['-A', '--', ...asNode], env: askpass.env },
  ]);
  assert.deepEqual(planLaunch(electron, env({ terminal: true })), [{ method: 'sudo', command: '/usr/bin/sudo', args: ['--', ...asNode], terminal: true }]);
  assert.deepEqual(planLaunch(electron, env()), [{ method: 'sudo', command: '/usr/bin/sudo', args: ['-n', '--', ...asNode] }]);
  // no tentative direct start: the binary is this process's own, with no capability it lacks
  assert.ok(planLaunch(electron, env()).every((p) => !p.tentative));
  // portlab.nodePath naming a real Node.js: no env in front (and first, tentatively, directly: setcap may have given it CAP_NET_RAW)
  assert.deepEqual(planLaunch({ ...electron, nodePath: '/usr/bin/node', runAsNode: false }, env()), [
    { method: 'direct', command: '/usr/bin/node', args: helperArgs, tentative: true },
    { method: 'sudo', command: '/usr/bin/sudo', args: ['-n', '--', '/usr/bin/node', ...helperArgs] },
  ]);
});

test('the installed helper of an Electron runtime: sudo -n runs exactly the command its sudoers rule names', () => {
  const installed = { node: CODE, cli: INSTALLED_CLI, env: '/usr/bin/env' };
  assert.deepEqual(installedCommand(installed), ['/usr/bin/env', 'ELECTRON_RUN_AS_NODE=1', CODE, INSTALLED_CLI]);
  assert.deepEqual(installedCommand({ node: '/usr/bin/node', cli: INSTALLED_CLI }), ['/usr/bin/node', INSTALLED_CLI]);
  const [first] = planLaunch({ ...electron, askpass }, env({ installedHelper: () => installed }));
  assert.deepEqual(first, {
    method: 'sudo',
    command: '/usr/bin/sudo',
    args: ['-n', '--', '/usr/bin/env', 'ELECTRON_RUN_AS_NODE=1', CODE, INSTALLED_CLI, 'helper', '--capture-dir', electron.captureDir],
    installed: true,
  });
});

test('messages for an Electron runtime: setup-privileges run through env, and no setcap on the editor', () => {
  const { error } = explainLaunchFailure({
    method: 'sudo',
    nodePath: CODE,
    runAsNode: true,
    exitCode: 1,
    stderr: 'sudo: a password is required\n',
    sudoCommand: asNode,
  });
  assert.deepEqual(
    error.fixes.map((f) => f.kind),
    ['setup-privileges'],
  );
  assert.match(error.command ?? '', /^sudo env ELECTRON_RUN_AS_NODE=1 \/usr\/share\/code\/code \S+cli\.js setup-privileges$/);
  assert.doesNotMatch(error.message, /setcap/);
  assert.doesNotMatch(noElevationError(CODE, true).message, /setcap/);
  assert.deepEqual(noRawSocketsError('sudo', CODE, true).fixes, []);
  // the command sudo ran starts the editor's binary, past env: the fixes are about it, not about `ip netns exec`
  assert.equal(startedProgram(asNode), CODE);
  assert.equal(startedProgram(['/usr/sbin/ip', 'netns', 'exec', 'ns', ...asNode]), '/usr/sbin/ip');
  assert.equal(startedProgram(['/usr/bin/node', 'x']), '/usr/bin/node');
});
