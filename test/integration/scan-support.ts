import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ScanDocument, NMAP_FLAG, type PortResult, type Technique } from '../../src/protocol';
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
  const [cmd, args] = inNamespace(netns, [process.execPath, CLI, 'scan', target, '-p', ports.join(','), `-s${NMAP_FLAG[technique]}`, '--json', '--out', outDir]);
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

/** One line per packet of a pcap, as tshark reads it: "frame src→dst proto flags". */
export async function tsharkFrames(pcap: string): Promise<Map<number, { proto: string; srcPort: number; dstPort: number; tcpFlags: number; icmp: string }>> {
  const fields = ['frame.number', '_ws.col.Protocol', 'tcp.srcport', 'tcp.dstport', 'udp.srcport', 'udp.dstport', 'tcp.flags', 'icmp.type', 'icmp.code'];
  const { stdout } = await run('tshark', ['-r', pcap, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])], { timeout: LIMIT_MS, maxBuffer: 256 << 20 });
  const frames = new Map<number, { proto: string; srcPort: number; dstPort: number; tcpFlags: number; icmp: string }>();
  for (const line of stdout.trim().split('\n')) {
    if (!line) continue;
    const [no, proto, ts, td, us, ud, flags, itype, icode] = line.split('\t');
    frames.set(Number(no), {
      proto: proto ?? '',
      srcPort: Number((ts || us || '0').split(',')[0]),
      dstPort: Number((td || ud || '0').split(',')[0]),
      tcpFlags: flags ? Number(flags) : -1,
      icmp: itype ? `${itype.split(',')[0]}/${icode?.split(',')[0]}` : '',
    });
  }
  return frames;
}
