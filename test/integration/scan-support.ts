import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ScanDocument, tcpFlagLetters, type PortResult, type Technique } from '../../src/protocol';
import { NMAP_FLAG } from '../../src/technique';
import { parseNmapXml } from '../../src/report/nmap';

const run = promisify(execFile);
export const ROOT = join(__dirname, '..', '..');
export const CLI = join(ROOT, 'out', 'cli.js');

/** Commands run with a bounded time so a hung scan fails the test instead of blocking it. */
const LIMIT_MS = 180_000;

function inNamespace(netns: string | undefined, argv: string[]): [string, string[]] {
  return netns ? ['ip', ['netns', 'exec', netns, ...argv]] : [argv[0]!, argv.slice(1)];
}

export async function buildCli(): Promise<void> {
  await run(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, timeout: LIMIT_MS });
}

/** Runs the built `portlab scan … --json --out dir` and returns its document (validated) and results by port. */
export async function portlabScan(netns: string | undefined, target: string, ports: number[], technique: Technique, outDir: string) {
  const [cmd, args] = inNamespace(netns, [
    process.execPath,
    CLI,
    'scan',
    target,
    '-p',
    ports.join(','),
    `-s${NMAP_FLAG[technique]}`,
    '--json',
    '--out',
    outDir,
  ]);
  const { stdout } = await run(cmd, args, { timeout: LIMIT_MS, maxBuffer: 64 << 20 });
  const doc = ScanDocument.parse(JSON.parse(stdout));
  const saved = ScanDocument.parse(JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8')));
  const byPort = new Map<number, PortResult>(doc.results.map((r) => [r.port, r]));
  return { doc, saved, byPort };
}

/** nmap's state for each port, from its XML output. */
export async function nmapScan(netns: string | undefined, target: string, ports: number[], technique: Technique): Promise<Map<number, string>> {
  const [cmd, args] = inNamespace(netns, ['nmap', `-s${NMAP_FLAG[technique]}`, '-Pn', '-n', '--reason', '-p', ports.join(','), '-oX', '-', target]);
  const { stdout } = await run(cmd, args, { timeout: LIMIT_MS, maxBuffer: 64 << 20 });
  const parsed = parseNmapXml(stdout);
  if (!parsed) throw new Error(`nmap gave no XML: ${stdout.slice(0, 200)}`);
  return new Map(ports.map((p) => [p, parsed.ports.get(`${target}:${p}`)?.state ?? 'missing']));
}

/** One packet of a pcap (IPv4 or IPv6) as tshark reads it; for an ICMP or ICMPv6 error, the ports are those of the datagram it quotes. */
export interface TsharkFrame {
  proto: string;
  ipSrc: string;
  srcPort: number;
  dstPort: number;
  /** -1 when the frame is not TCP */
  tcpFlags: number;
  /** "type/code", or '' */
  icmp: string;
}

export async function tsharkFrames(pcap: string): Promise<Map<number, TsharkFrame>> {
  const fields = [
    'frame.number',
    '_ws.col.Protocol',
    'ip.src',
    'tcp.srcport',
    'tcp.dstport',
    'udp.srcport',
    'udp.dstport',
    'tcp.flags',
    'icmp.type',
    'icmp.code',
    'ipv6.src',
    'icmpv6.type',
    'icmpv6.code',
  ];
  const { stdout } = await run('tshark', ['-r', pcap, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])], { timeout: LIMIT_MS, maxBuffer: 256 << 20 });
  const frames = new Map<number, TsharkFrame>();
  const first = (value: string | undefined) => (value ?? '').split(',')[0]!;
  for (const line of stdout.trim().split('\n')) {
    if (!line) continue;
    const [no, proto, ip4Src, ts, td, us, ud, flags, icmp4Type, icmp4Code, ip6Src, icmp6Type, icmp6Code] = line.split('\t');
    // an IPv6 frame fills the ipv6 and icmpv6 fields instead
    const itype = icmp4Type || icmp6Type;
    frames.set(Number(no), {
      proto: proto ?? '',
      ipSrc: first(ip4Src || ip6Src),
      srcPort: Number(first(ts || us) || '0'),
      dstPort: Number(first(td || ud) || '0'),
      tcpFlags: flags && !itype ? Number(first(flags)) : -1,
      icmp: itype ? `${first(itype)}/${first(icmp4Code || icmp6Code)}` : '',
    });
  }
  return frames;
}

/**
 * Why a port's recorded exchange disagrees with the pcap it names, or undefined when every packet is
 * the frame it says: same source address, direction (ports), TCP flags or ICMP type/code, in frame order.
 */
export function exchangeMismatch(result: PortResult, frames: ReadonlyMap<number, TsharkFrame>): string | undefined {
  let lastFrame = 0;
  for (const [i, p] of result.exchange.entries()) {
    const f = p.frame === undefined ? undefined : frames.get(p.frame);
    const at = `packet ${i + 1} (frame ${p.frame})`;
    if (!f) return `${at} is not in the pcap`;
    if (p.frame! < lastFrame) return `${at} comes before frame ${lastFrame} in the pcap`;
    lastFrame = p.frame!;
    if (f.ipSrc !== p.src) return `${at}: from ${f.ipSrc} in the pcap, ${p.src} in the exchange`;
    if (p.kind === 'icmp') {
      if (f.icmp !== `${p.icmpType}/${p.icmpCode}`) return `${at}: ICMP ${f.icmp || 'none'} in the pcap, ${p.icmpType}/${p.icmpCode} in the exchange`;
      // an error coming in quotes our probe (to the port); one going out, from our kernel, the target's answer (from it)
      const quoted = p.dir === 'in' ? f.dstPort : f.srcPort;
      if (quoted !== result.port) return `${at}: the ICMP error quotes port ${quoted}`;
      continue;
    }
    const port = p.dir === 'out' ? f.dstPort : f.srcPort;
    if (port !== result.port) return `${at}: ${p.dir === 'out' ? 'to' : 'from'} port ${port} in the pcap`;
    if (p.kind === 'tcp' && tcpFlagLetters(f.tcpFlags) !== p.flags) return `${at}: flags ${tcpFlagLetters(f.tcpFlags)} in the pcap, ${p.flags} in the exchange`;
  }
  return undefined;
}

/** Whether nmap is on the PATH: the comparisons with nmap run where it is installed. */
export async function nmapInstalled(): Promise<boolean> {
  return run('nmap', ['--version'], { timeout: 10_000 }).then(
    () => true,
    () => false,
  );
}
