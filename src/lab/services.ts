import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError } from '../base/errors';
import type { Protocol } from '../protocol';
import { liveInterface } from './namespaces';
import type { LabService, LabServiceSocket } from './state';
import { LAB_RUN_DIR, labRunFile } from './state';
import { isAlive, namespaceListeningPorts, packetSocketInterfaces } from './processes';
import type { LabEnd, LabTopology } from './topology';
import { toolPath } from './tools';
import { DNS_PORT, LISTENER_TCP_PORTS, LISTENER_UDP_ECHO_PORTS, STATELESS_LISTENER_TCP_PORTS } from './truth';

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
    `--listen-address=${target.address6}`,
    `--port=${DNS_PORT}`,
    `--host-record=lab.portlab,${target.address},${target.address6}`,
    `--pid-file=${labRunFile(id, '-dnsmasq.pid')}`,
    `--dhcp-leasefile=${labRunFile(id, '-dnsmasq.leases')}`,
    // Debian's dnsmasq-base has no "dnsmasq" user; staying root inside a throwaway namespace is harmless.
    '--user=root',
    '--log-facility=-',
  ];
}

/** `portlab lab listen` on both addresses of a host, run from the CLI this code was built into. */
export function listenerArgv(end: LabEnd, tcp: readonly number[], udpEcho: readonly number[]): string[] {
  return [
    process.execPath,
    cliScriptPath(),
    'lab',
    'listen',
    '--address',
    end.address,
    '--address',
    end.address6,
    '--tcp',
    tcp.join(','),
    ...(udpEcho.length > 0 ? ['--udp-echo', udpEcho.join(',')] : []),
  ];
}

/** `portlab lab zombie`: the responder answering TCP to both zombie addresses from a raw socket on the zombie's interface. */
export function zombieArgv(topo: LabTopology): string[] {
  const { zombie } = topo;
  return [
    process.execPath,
    cliScriptPath(),
    'lab',
    'zombie',
    '--iface',
    zombie.iface,
    '--address',
    zombie.address,
    '--random-address',
    zombie.randomIpIdAddress,
    '--address6',
    zombie.address6,
  ];
}

const READY_TIMEOUT_MS = 5_000;

/** Each (protocol, port) on both of a host's addresses: what a listener of both families opens. */
function dualStack(protocol: Protocol, ports: readonly number[]): LabServiceSocket[] {
  return ports.flatMap((port) => [4, 6].map((ipVersion) => ({ protocol, port, ipVersion: ipVersion as 4 | 6 })));
}

/** Whether a started service is ready: its sockets listen, and a responder holds its packet socket. */
async function isReady(end: LabEnd, service: LabService): Promise<boolean> {
  const ready = service.sockets.every((s) => namespaceListeningPorts(service.pid, s.protocol, s.ipVersion).has(s.port));
  if (!ready || service.packetIface === undefined) return ready;
  const ifindex = (await liveInterface(service.packetIface, end.namespace))?.ifindex;
  return ifindex !== undefined && packetSocketInterfaces(service.pid).has(ifindex);
}

/** A service that was spawned: its record (PID included) at once, and whether it became ready later. */
export interface StartingService {
  service: LabService;
  ready: Promise<void>;
}

async function waitReady(end: LabEnd, service: LabService, logFile: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (!isAlive(service.pid)) {
      const tail = readFileSync(logFile, 'utf8').trim().split('\n').slice(-3).join(' | ');
      throw new UserError(`lab: ${service.program} exited while starting in ${end.namespace}${tail ? `: ${tail}` : ''} (log: ${logFile})`);
    }
    if (await isReady(end, service)) return;
    if (Date.now() > deadline) throw new UserError(`lab: ${service.program} was not ready in ${end.namespace} within ${READY_TIMEOUT_MS} ms (log: ${logFile})`);
    await sleep(25);
  }
}

/**
 * Starts a service inside a host's namespace, detached so it outlives this process. `ip netns exec`
 * enters the namespace and then execs the service, so the PID we get is the service's own. The record
 * comes back at once, so that the caller can save the PID before waiting: services start side by side.
 */
export function startService(topo: LabTopology, end: LabEnd, logName: string, started: Omit<LabService, 'pid'>): StartingService {
  mkdirSync(LAB_RUN_DIR, { recursive: true, mode: 0o755 });
  const logFile = labRunFile(topo.id, `-${logName}.log`);
  const log = openSync(logFile, 'w');
  // Inside VS Code, execPath is Electron: this makes it run the CLI as plain Node.
  const env = process.versions.electron ? { ...process.env, ELECTRON_RUN_AS_NODE: '1' } : process.env;
  let child;
  try {
    child = spawn(toolPath('ip'), ['netns', 'exec', end.namespace, ...started.argv], {
      detached: true,
      stdio: ['ignore', log, log],
      env,
    });
  } finally {
    closeSync(log);
  }
  // A failed spawn (ENOENT, EAGAIN) has no PID and reports its error on the next tick.
  child.once('error', () => {});
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new UserError(`lab: could not start ${started.program} in ${end.namespace}`);
  const service: LabService = { ...started, pid };
  return { service, ready: waitReady(end, service, logFile) };
}

export function startDnsmasq(topo: LabTopology): StartingService {
  return startService(topo, topo.target, 'dnsmasq', {
    program: 'dnsmasq',
    argv: dnsmasqArgv(topo),
    addresses: [topo.target.address, topo.target.address6],
    sockets: [...dualStack('tcp', [DNS_PORT]), ...dualStack('udp', [DNS_PORT])],
  });
}

function startListener(topo: LabTopology, end: LabEnd, logName: string, tcp: readonly number[], udpEcho: readonly number[]): StartingService {
  return startService(topo, end, logName, {
    program: 'portlab lab listen',
    argv: listenerArgv(end, tcp, udpEcho),
    addresses: [end.address, end.address6],
    sockets: [...dualStack('tcp', tcp), ...dualStack('udp', udpEcho)],
  });
}

export function startTargetListener(topo: LabTopology): StartingService {
  return startListener(topo, topo.target, 'listener', LISTENER_TCP_PORTS, LISTENER_UDP_ECHO_PORTS);
}

export function startStatelessListener(topo: LabTopology): StartingService {
  return startListener(topo, topo.stateless, 'stateless-listener', STATELESS_LISTENER_TCP_PORTS, []);
}

export function startZombieResponder(topo: LabTopology): StartingService {
  return startService(topo, topo.zombie, 'zombie', {
    program: 'portlab lab zombie',
    argv: zombieArgv(topo),
    addresses: [topo.zombie.address, topo.zombie.randomIpIdAddress, topo.zombie.address6],
    sockets: [],
    packetIface: topo.zombie.iface,
  });
}
