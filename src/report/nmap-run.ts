import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ipaddr from 'ipaddr.js';
import { NMAP_FLAG, TECHNIQUES, type LabDescription, type ScanDocument, type Technique } from '../protocol';
import { findProgram } from '../engine/program-path';
import { NMAP_DIR, nmapXmlPath } from './load';

/** nmap is pointed only at the loopback range and the lab's benchmark range, whatever the results say. */
const NMAP_SCOPE = [ipaddr.parseCIDR('127.0.0.0/8'), ipaddr.parseCIDR('198.18.0.0/15')];
/** `nmap -sU` on a rate-limited target takes about a second per closed port. */
const NMAP_TIMEOUT_MS = 600_000;

export function inNmapScope(address: string): boolean {
  if (!ipaddr.IPv4.isValidFourPartDecimal(address)) return false;
  const ip = ipaddr.IPv4.parse(address);
  return NMAP_SCOPE.some(([range, bits]) => ip.match(range as ipaddr.IPv4, bits));
}

/** The command that runs nmap like the scan ran: inside the lab's scanner namespace when the lab was scanned. */
export function nmapCommand(technique: Technique, targets: string[], ports: number[], namespace: string | undefined): { file: string; args: string[] } {
  const args = [`-s${NMAP_FLAG[technique]}`, '-Pn', '-n', '--reason', '-p', ports.join(','), '-oX', '-', ...targets];
  return namespace ? { file: 'ip', args: ['netns', 'exec', namespace, 'nmap', ...args] } : { file: 'nmap', args };
}

function scannerNamespace(doc: ScanDocument, lab: LabDescription | undefined, targets: string[]): string | undefined {
  const labTarget = lab?.hosts.find((h) => h.role === 'target');
  if (lab && labTarget && targets.every((t) => t === labTarget.address)) return lab.hosts.find((h) => h.role === 'scanner')?.namespace;
  return doc.scanner?.netns;
}

function run(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: NMAP_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(stderr.trim().split('\n')[0] || err.message));
      else resolve(stdout);
    });
  });
}

/**
 * Runs nmap with each technique of the scan on the same targets and ports and writes its XML to
 * DIR/nmap/<technique>.xml, where the report picks it up. Returns one line per technique that could
 * not be run; the report then simply has no nmap column for it.
 */
export async function collectNmap(dir: string, doc: ScanDocument, lab: LabDescription | undefined): Promise<string[]> {
  if (!findProgram('nmap')) return ['nmap is not installed (not found on PATH): the report has no nmap column'];
  const problems: string[] = [];
  mkdirSync(join(dir, NMAP_DIR), { recursive: true });
  for (const technique of TECHNIQUES) {
    const results = doc.results.filter((r) => r.technique === technique);
    if (results.length === 0) continue;
    const targets = [...new Set(results.map((r) => r.target))].sort();
    const outside = targets.filter((t) => !inNmapScope(t));
    if (outside.length) {
      problems.push(`nmap -s${NMAP_FLAG[technique]} not run: ${outside.join(', ')} is outside 127.0.0.0/8 and 198.18.0.0/15`);
      continue;
    }
    const ports = [...new Set(results.map((r) => r.port))].sort((a, b) => a - b);
    const { file, args } = nmapCommand(technique, targets, ports, scannerNamespace(doc, lab, targets));
    try {
      writeFileSync(nmapXmlPath(dir, technique), await run(file, args));
    } catch (err) {
      problems.push(`nmap -s${NMAP_FLAG[technique]} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return problems;
}
