import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError } from '../base/errors';
import type { LabService } from './state';
import { LAB_RUN_DIR, labRunFile } from './state';
import { isAlive, namespaceListeningPorts } from './processes';
import type { LabTopology } from './topology';
import { toolPath } from './tools';
import { DNS_PORT, LISTENER_TCP_PORTS, LISTENER_UDP_ECHO_PORTS } from './truth';

/**
 * out/cli.js, which runs the listener. Bundled, this module lives in out/cli.js or out/extension.js
 * (cli.js is beside it); run from source (tests, tsx), it is src/lab/services.ts and the build is at
 * ../../out/cli.js.
 */
export function cliScriptPath(): string {
  const here = dirname(__filename);
  const candidates = [join(here, 'cli.js'), resolve(here, '..', '..', 'out', 'cli.js')];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new UserError(`lab: cannot find the portlab CLI (looked for ${candidates.join(', ')}): run npm run build`);
  return found;
}

export function dnsmasqArgv(topo: LabTopology): string[] {
  const { id, target } = topo;
  return [
    toolPath('dnsmasq'),
    '--keep-in-foreground',
    '--conf-file=/dev/null',
    '--no-resolv',
    '--no-hosts',
    '--bind-interfaces',
    `--listen-address=${target.address}`,
    `--port=${DNS_PORT}`,
    `--host-record=lab.portlab,${target.address}`,
    `--pid-file=${labRunFile(id, '-dnsmasq.pid')}`,
    `--dhcp-leasefile=${labRunFile(id, '-dnsmasq.leases')}`,
    // Debian's dnsmasq-base has no "dnsmasq" user; staying root inside a throwaway namespace is harmless.
    '--user=root',
    '--log-facility=-',
  ];
}

export function listenerArgv(topo: LabTopology): string[] {
  return [
    process.execPath,
    cliScriptPath(),
    'lab',
    'listen',
    '--address',
    topo.target.address,
    '--tcp',
    LISTENER_TCP_PORTS.join(','),
    '--udp-echo',
    LISTENER_UDP_ECHO_PORTS.join(','),
  ];
}

const READY_TIMEOUT_MS = 5_000;

/**
 * Starts a service inside the target namespace, detached so it outlives this process, and waits until
 * its sockets listen. `ip netns exec` enters the namespace and then execs the service, so the PID we
 * get is the service's own.
 */
export async function startService(topo: LabTopology, program: LabService['program'], argv: string[], sockets: LabService['sockets']): Promise<LabService> {
  mkdirSync(LAB_RUN_DIR, { recursive: true, mode: 0o755 });
  const logFile = labRunFile(topo.id, program === 'dnsmasq' ? '-dnsmasq.log' : '-listener.log');
  const log = openSync(logFile, 'w');
  // Inside VS Code, execPath is Electron: this makes it run the CLI as plain Node.
  const env = process.versions.electron ? { ...process.env, ELECTRON_RUN_AS_NODE: '1' } : process.env;
  let child;
  try {
    child = spawn(toolPath('ip'), ['netns', 'exec', topo.target.namespace, ...argv], {
      detached: true,
      stdio: ['ignore', log, log],
      env,
    });
  } finally {
    closeSync(log);
  }
  const spawnError = new Promise<Error>((res) => child.once('error', res));
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new UserError(`lab: could not start ${program}: ${(await spawnError).message}`);
  const service: LabService = { program, pid, argv, sockets };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (!isAlive(pid)) {
      const tail = readFileSync(logFile, 'utf8').trim().split('\n').slice(-3).join(' | ');
      throw new UserError(`lab: ${program} exited while starting${tail ? `: ${tail}` : ''} (log: ${logFile})`);
    }
    const listening = { tcp: namespaceListeningPorts(pid, 'tcp'), udp: namespaceListeningPorts(pid, 'udp') };
    if (sockets.every((s) => listening[s.protocol].has(s.port))) return service;
    if (Date.now() > deadline) throw new UserError(`lab: ${program} did not listen within ${READY_TIMEOUT_MS} ms (log: ${logFile})`);
    await sleep(25);
  }
}

export function startDnsmasq(topo: LabTopology): Promise<LabService> {
  return startService(topo, 'dnsmasq', dnsmasqArgv(topo), [
    { protocol: 'tcp', port: DNS_PORT },
    { protocol: 'udp', port: DNS_PORT },
  ]);
}

export function startListener(topo: LabTopology): Promise<LabService> {
  return startService(topo, 'portlab lab listen', listenerArgv(topo), [
    ...LISTENER_TCP_PORTS.map((port) => ({ protocol: 'tcp' as const, port })),
    ...LISTENER_UDP_ECHO_PORTS.map((port) => ({ protocol: 'udp' as const, port })),
  ]);
}
