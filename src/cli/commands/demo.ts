import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { ScanDocument, TECHNIQUES, type LabDescription, type Technique } from '../../protocol';
import { UserError } from '../../base/errors';
import { labDown, labUp, parseLabId } from '../../lab';
import { capturePath, labPath, nmapDirPath, nmapXmlPath, resultsPath } from '../../output/out-folder';
import { loadReportInput, parseNmapXml, renderReport, type ReportLang } from '../../report';
import { findProgram } from '../../base/program-path';
import { demoScanArgs, demoScans, type DemoScan } from '../demo/demo-scans';
import { formatNmapAgreement, formatStateTable, truthInLab } from '../demo/state-table';
import { collectNmap } from '../nmap-run';
import { portlabCliPath } from '../../helper/cli-path';

interface DemoOptions {
  out: string;
  id: string;
}

/** The report in each language, as `portlab report` names them by default. */
const REPORTS: [ReportLang, string][] = [
  ['en', 'report.md'],
  ['zh-CN', 'report.zh-CN.md'],
];

/** A demo's files from an earlier run in the same folder: `scan --out` would merge the new scan into them. */
function removeEarlierRun(out: string): void {
  for (const file of [resultsPath(out), labPath(out), ...REPORTS.map(([, f]) => join(out, f))]) rmSync(file, { force: true });
  for (const technique of TECHNIQUES) rmSync(capturePath(out, technique), { force: true });
  rmSync(nmapDirPath(out), { recursive: true, force: true });
}

/** Runs the CLI's own `scan` inside the lab's scanner namespace, showing its progress on this terminal. */
function scanInNamespace(namespace: string, scan: DemoScan): Promise<void> {
  const args = ['netns', 'exec', namespace, process.execPath, portlabCliPath(), ...demoScanArgs(scan)];
  return new Promise((done, fail) => {
    const child = spawn('ip', args, { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', fail);
    child.on('exit', (code, signal) =>
      code === 0 ? done() : fail(new UserError(`the scan of ${scan.target} in ${namespace} failed (${signal ?? `exit ${code}`})`)),
    );
  });
}

/**
 * One scan of the demo under its heading: the scan, its table against the lab's truth, nmap's agreement,
 * the reports. Returns the reports' paths.
 */
async function runDemoScan(lab: LabDescription, scanner: string, scan: DemoScan, heading: string): Promise<string[]> {
  const dir = resolve(scan.out);
  process.stdout.write(`\n=== ${heading} ${scan.title} ===\n${scan.note}\n\n`);
  await scanInNamespace(scanner, scan);

  const doc = ScanDocument.parse(JSON.parse(readFileSync(resultsPath(dir), 'utf8')));
  process.stdout.write(`\nState (reason) by technique and by how the lab made the port (${scan.target}):\n\n`);
  process.stdout.write(formatStateTable(doc.results, truthInLab(lab)));

  if (findProgram('nmap')) {
    process.stderr.write(`portlab demo: running nmap on the same ports of ${scan.target} for the report\n`);
    for (const problem of await collectNmap(dir, doc, lab)) process.stderr.write(`portlab: ${problem}\n`);
    process.stdout.write(`\nThe same ports scanned by nmap from the same namespace:\n${formatNmapAgreement(doc.results, (t) => savedNmapAnswers(dir, t))}`);
  }
  const reports = REPORTS.map(([lang, file]) => {
    const path = join(dir, file);
    writeFileSync(path, renderReport(loadReportInput(dir, path), { lang }));
    return path;
  });
  process.stdout.write(`\nIn ${dir}: results.json, a .pcap per technique, lab.json, nmap/, ${REPORTS.map(([, f]) => f).join(', ')}\n`);
  return reports;
}

export function register(program: Command): void {
  program
    .command('demo')
    .description(
      'start the lab sandbox; scan its IPv4 target with every technique, its stateless host with the TCP ones and its IPv6 target with every one (idle only if the zombie answers over IPv6); write results, captures and reports; stop the lab',
    )
    .option(
      '--out <dir>',
      "where the IPv4 target's results.json, pcaps, lab.json, nmap/ and reports (report.md, report.zh-CN.md) go; the stateless host's in DIR/stateless, the IPv6 target's in DIR/ipv6",
      'results/demo',
    )
    .option('--id <n>', 'lab id (namespaces portlab<N>-*, subnet 198.18.N.0/24)', '0')
    .action(async (opts: DemoOptions) => {
      const id = parseLabId(opts.id);
      try {
        process.stderr.write(`portlab demo: starting lab ${id}\n`);
        const lab = await labUp(id);
        const scanner = lab.hosts.find((h) => h.role === 'scanner')!;
        // Each scan runs in this directory, so its command line (quoted by the report) shows --out as typed here.
        const scans = demoScans(lab, opts.out);
        for (const scan of scans) {
          mkdirSync(scan.out, { recursive: true });
          removeEarlierRun(resolve(scan.out));
        }
        const reports: string[][] = [];
        for (const [i, scan] of scans.entries()) reports.push(await runDemoScan(lab, scanner.namespace, scan, `${i + 1}/${scans.length}`));
        process.stdout.write(`\nReports:\n${reports.map((paths) => `  ${paths.join('  ')}\n`).join('')}`);
      } finally {
        await labDown(id);
        process.stderr.write(`portlab demo: lab ${id} removed\n`);
      }
    });
}

/** nmap's answers saved by collectNmap for one technique, if it ran. */
function savedNmapAnswers(dir: string, technique: Technique): ReadonlyMap<string, { state: string; reason: string }> | undefined {
  try {
    return parseNmapXml(readFileSync(nmapXmlPath(dir, technique), 'utf8'))?.ports;
  } catch {
    return undefined;
  }
}
