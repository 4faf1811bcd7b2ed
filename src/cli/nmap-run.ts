import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { endpointText, TECHNIQUES, type BareScanDocument, type LabDescription, type Technique } from '../protocol';
import { NMAP_FLAG } from '../technique';
import { currentNetns, namedNetnsExists } from '../base/netns';
import { findProgram } from '../base/program-path';
import { ScopeGuard } from '../engine/scope';
import { findRoute } from '../link/route';
import { makeNmapDir, nmapXmlPath, writeNmapRuns, writeNmapXml } from '../output/out-folder';
import { readNmapRuns } from '../report/load';
import type { NmapProblemKind, NmapRunRecord, NmapRunRecords } from '../report/nmap-record';

/** `nmap -sU` on a rate-limited target takes about a second per closed port. */
const NMAP_TIMEOUT_MS = 600_000;

/**
 * The command that runs nmap like the scan ran: inside the scan's network namespace when it had one, with
 * `-6` for IPv6 targets (nmap 7.93 takes none without it), and the idle scan through the scan's zombie
 * ("ADDRESS:PROBEPORT").
 */
export function nmapCommand(
  technique: Technique,
  targets: string[],
  ports: number[],
  namespace: string | undefined,
  zombie?: string,
): { file: string; args: string[] } {
  const family = targets.some((t) => t.includes(':')) ? ['-6'] : [];
  const scan = zombie === undefined ? [`-s${NMAP_FLAG[technique]}`] : [`-s${NMAP_FLAG[technique]}`, zombie];
  const args = [...family, ...scan, '-Pn', '-n', '--reason', '-p', ports.join(','), '-oX', '-', ...targets];
  return namespace ? { file: 'ip', args: ['netns', 'exec', namespace, 'nmap', ...args] } : { file: 'nmap', args };
}

/** What nmap's placement depends on, outside the scan's files (the test gives its own). */
export interface NmapHost {
  /** the namespace the report runs in, as the scan records its own */
  currentNetns(): string | undefined;
  namedNetnsExists(name: string): boolean;
  /** the source address this namespace reaches `target` from; undefined when there is no route */
  sourceFor(target: string): string | undefined;
}

export const LIVE_HOST: NmapHost = {
  currentNetns,
  namedNetnsExists,
  sourceFor(target) {
    try {
      return findRoute(target).srcIp;
    } catch {
      return undefined;
    }
  },
};

export type NmapPlace = { namespace?: string } | { problem: { kind: NmapProblemKind; detail: string } };

/**
 * Where nmap must run to probe like the scan did: in the network namespace the scan recorded, only if
 * it still exists; in this one only if the scan ran in the host's namespace and this one reaches every
 * target from the scan's source address. Never anywhere else: in the wrong namespace 198.18.x would
 * leave by the host's default route.
 */
export function nmapPlace(doc: BareScanDocument, lab: LabDescription | undefined, targets: string[], host: NmapHost): NmapPlace {
  // nmap is pointed only at the ranges `portlab scan` may reach without --allow-target, whatever the results say.
  const scope = new ScopeGuard();
  const outside = targets.filter((t) => !scope.allows(t));
  if (outside.length) return { problem: { kind: 'outside-scope', detail: outside.join(', ') } };
  let recorded = doc.scanner?.netns;
  // Scans from before the namespace was recorded: the lab's scanner namespace, when the lab was scanned.
  const labTarget = lab?.hosts.find((h) => h.role === 'target');
  const labScanner = lab?.hosts.find((h) => h.role === 'scanner');
  const source = doc.scanner?.address;
  if (
    recorded === undefined &&
    labTarget &&
    labScanner &&
    targets.every((t) => t === labTarget.address) &&
    (source === undefined || source === labScanner.address)
  )
    recorded = labScanner.namespace;
  if (recorded?.startsWith('net:[')) return { problem: { kind: 'netns-unnamed', detail: recorded } };
  if (recorded !== undefined) return host.namedNetnsExists(recorded) ? { namespace: recorded } : { problem: { kind: 'netns-gone', detail: recorded } };
  const here = host.currentNetns();
  if (here !== undefined) return { problem: { kind: 'other-netns', detail: here } };
  const astray = targets.filter((t) => !t.startsWith('127.') && t !== '::1' && (source === undefined || host.sourceFor(t) !== source));
  if (astray.length) return { problem: { kind: 'route-differs', detail: `${astray.join(', ')} (${source ?? '?'})` } };
  return {};
}

/** Whether nmap is on the PATH. */
export function nmapInstalled(): boolean {
  return findProgram('nmap') !== undefined;
}

/**
 * Runs nmap (or `ip netns exec … nmap`) and resolves with its stdout; rejects with stderr's first line, or
 * after `timeoutMs`, or saying the signal nmap died of (nmap 7.93's IPv6 idle scan crashes without a word).
 */
export function runNmap(file: string, args: string[], timeoutMs: number = NMAP_TIMEOUT_MS): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const died = err.killed ? `no answer after ${timeoutMs / 1000} s` : err.signal ? `nmap died of ${err.signal}` : err.message;
      reject(new Error(stderr.trim().split('\n')[0] || died));
    });
  });
}

/**
 * Runs nmap with each technique of the scan on the same targets and ports and writes its XML to
 * DIR/nmap/<technique>.xml, where the report picks it up; an older XML is removed first, so a failed
 * run leaves none. What was run, when, or why not, goes to DIR/nmap/runs.json for the report to say.
 * Returns one line per technique that could not be run.
 */
export async function collectNmap(dir: string, doc: BareScanDocument, lab: LabDescription | undefined, host: NmapHost = LIVE_HOST): Promise<string[]> {
  const problems: string[] = [];
  const records: NmapRunRecords = readNmapRuns(dir);
  makeNmapDir(dir);
  const installed = nmapInstalled();
  for (const technique of TECHNIQUES) {
    const results = doc.results.filter((r) => r.technique === technique);
    if (results.length === 0) continue;
    rmSync(nmapXmlPath(dir, technique), { force: true });
    const targets = [...new Set(results.map((r) => r.target))].sort();
    const ports = [...new Set(results.map((r) => r.port))].sort((a, b) => a - b);
    const place: NmapPlace = installed ? nmapPlace(doc, lab, targets, host) : { problem: { kind: 'not-installed', detail: 'nmap' } };
    // nmap's idle scan goes through the zombie the scan used, as the scan recorded it
    const zombie = doc.summary?.techniques.find((s) => s.technique === technique)?.zombie;
    const { file, args } = nmapCommand(
      technique,
      targets,
      ports,
      'namespace' in place ? place.namespace : undefined,
      // an IPv6 address takes its port after brackets, as nmap reads -sI
      zombie === undefined ? undefined : endpointText(zombie.address, zombie.probePort),
    );
    const record: NmapRunRecord = { at: new Date().toISOString(), command: [file, ...args] };
    if ('problem' in place) record.problem = place.problem;
    else {
      try {
        await writeNmapXml(dir, technique, await runNmap(file, args));
      } catch (err) {
        record.problem = { kind: 'failed', detail: err instanceof Error ? err.message : String(err) };
      }
    }
    if (record.problem) problems.push(`nmap -s${NMAP_FLAG[technique]} not run (${record.problem.kind}): ${record.problem.detail}`);
    records[technique] = record;
  }
  await writeNmapRuns(dir, records);
  return problems;
}
