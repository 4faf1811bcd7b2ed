import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { ListenerOptions } from '../src/lab/listener';

/**
 * The benchmark's own sandbox: two namespaces joined by a veth, every address in 198.19.0.0/24
 * (inside the benchmark range 198.18.0.0/15), created directly inside the namespaces so that no
 * host interface is ever touched. One target namespace carries every scanned host as an extra
 * address, so nft rules pick a host by destination address and masscan needs one router MAC.
 */
export const SCANNER_NS = 'portlabbench-scan';
export const TARGET_NS = 'portlabbench-tgt';
export const SCANNER_IF = 'pbscan0';
export const TARGET_IF = 'pbtgt0';
export const SCANNER_IP = '198.19.0.1';
export const SUBNET_BITS = 24;

export interface HostSetup {
  address: string;
  tcpOpen: number[];
  udpOpen: number[];
  /** TCP ports silently dropped */
  tcpDrop: number[];
  /** when set, every TCP port but tcpOpen is dropped (a default-drop firewall) */
  tcpDefaultDrop?: boolean;
  /** UDP ports answered with ICMP admin-prohibited (3/13) */
  udpReject: number[];
}

export interface Topology {
  scannerMac: string;
  targetMac: string;
  teardown(): void;
}

function run(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

function nsExists(name: string): boolean {
  return run('ip', ['netns', 'list'])
    .split('\n')
    .some((l) => l.split(' ')[0] === name);
}

/** Deleting a namespace removes its veth end, its nft tables and its addresses with it. */
export function removeNamespaces(): void {
  for (const ns of [SCANNER_NS, TARGET_NS]) if (nsExists(ns)) run('ip', ['netns', 'del', ns]);
}

function macOf(ns: string, iface: string): string {
  const text = run('ip', ['-n', ns, '-j', 'link', 'show', iface]);
  return (JSON.parse(text) as { address: string }[])[0]!.address;
}

export function nftRuleset(hosts: HostSetup[]): string {
  const rules: string[] = [];
  for (const h of hosts) {
    const open = h.tcpOpen.join(', ');
    if (h.tcpDefaultDrop) rules.push(`ip daddr ${h.address} tcp dport != { ${open} } drop`);
    if (h.tcpDrop.length) rules.push(`ip daddr ${h.address} tcp dport { ${h.tcpDrop.join(', ')} } drop`);
    if (h.udpReject.length) rules.push(`ip daddr ${h.address} udp dport { ${h.udpReject.join(', ')} } reject with icmp type admin-prohibited`);
  }
  return [
    'table ip portlabbench {',
    '  chain input {',
    '    type filter hook input priority 0; policy accept;',
    ...rules.map((r) => `    ${r}`),
    '  }',
    '}',
    '',
  ].join('\n');
}

/** Listens on every open port of every host from one process (the lab's listener, once per address). */
function startListeners(hosts: HostSetup[]): ChildProcess {
  // Typed, so a change to the listener's options fails the type check here rather than at bench time.
  const options: ListenerOptions[] = hosts.map((h) => ({ addresses: [h.address], tcp: h.tcpOpen, udpEcho: h.udpOpen }));
  const spec = JSON.stringify(options);
  const child = spawn('ip', ['netns', 'exec', TARGET_NS, process.execPath, '--import', 'tsx', join(__dirname, 'listeners.ts'), spec], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return child;
}

function waitForLine(child: ChildProcess, line: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`listeners not ready after ${timeoutMs} ms`)), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`listeners exited early (code ${code})`));
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      if (buffered.includes(line)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

export async function buildTopology(hosts: HostSetup[]): Promise<Topology> {
  removeNamespaces();
  let listeners: ChildProcess | undefined;
  const teardown = () => {
    if (listeners?.pid && listeners.exitCode === null) listeners.kill('SIGTERM');
    removeNamespaces();
  };
  try {
    run('ip', ['netns', 'add', SCANNER_NS]);
    run('ip', ['netns', 'add', TARGET_NS]);
    run('ip', ['link', 'add', SCANNER_IF, 'netns', SCANNER_NS, 'type', 'veth', 'peer', 'name', TARGET_IF, 'netns', TARGET_NS]);
    for (const ns of [SCANNER_NS, TARGET_NS]) {
      // IPv6 off: its DAD/RS/MLD chatter would only add noise to captures.
      run('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
      run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    }
    run('ip', ['-n', SCANNER_NS, 'addr', 'add', `${SCANNER_IP}/${SUBNET_BITS}`, 'dev', SCANNER_IF]);
    for (const h of hosts) run('ip', ['-n', TARGET_NS, 'addr', 'add', `${h.address}/${SUBNET_BITS}`, 'dev', TARGET_IF]);
    run('ip', ['-n', SCANNER_NS, 'link', 'set', SCANNER_IF, 'up']);
    run('ip', ['-n', TARGET_NS, 'link', 'set', TARGET_IF, 'up']);
    run('ip', ['netns', 'exec', TARGET_NS, 'nft', '-f', '-'], nftRuleset(hosts));
    listeners = startListeners(hosts);
    await waitForLine(listeners, 'ready', 20_000);
    return { scannerMac: macOf(SCANNER_NS, SCANNER_IF), targetMac: macOf(TARGET_NS, TARGET_IF), teardown };
  } catch (err) {
    teardown();
    throw err;
  }
}
