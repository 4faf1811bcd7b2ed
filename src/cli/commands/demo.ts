import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { ScanDocument, TECHNIQUES, type Technique } from '../../protocol';
import { NMAP_FLAG } from '../../technique';
import { UserError } from '../../base/errors';
import { LAB_TRUTH, labDown, labTruthOf, labUp, parseLabId } from '../../lab';
import { capturePath, labPath, nmapDirPath, nmapXmlPath, resultsPath } from '../../output/out-folder';
import { loadReportInput, parseNmapXml, renderReport, type ReportLang } from '../../report';
import { findProgram } from '../../base/program-path';
import { formatNmapAgreement, formatStateTable } from '../demo/state-table';
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

/** nmap's T:/U: port qualifiers, so TCP techniques probe the lab's TCP ports and UDP its UDP ports. */
function labPortSpec(): string {
  const list = (protocol: 'tcp' | 'udp') =>
    LAB_TRUTH.filter((p) => p.protocol === protocol)
      .map((p) => p.port)
      .join(',');
  return `T:${list('tcp')},U:${list('udp')}`;
}

/** Runs the CLI's own `scan` inside the lab's scanner namespace, showing its progress on this terminal; the idle scan through the lab's `zombie`. */
function scanInNamespace(namespace: string, target: string, zombie: string, out: string): Promise<void> {
  const args = [
    'netns',
    'exec',
    namespace,
    process.execPath,
    portlabCliPath(),
    'scan',
    target,
    '-p',
    labPortSpec(),
    ...TECHNIQUES.flatMap((t) => (t === 'idle' ? [`-s${NMAP_FLAG[t]}`, zombie] : [`-s${NMAP_FLAG[t]}`])),
    '--out',
    out,
  ];
  return new Promise((done, fail) => {
    const child = spawn('ip', args, { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', fail);
    child.on('exit', (code, signal) => (code === 0 ? done() : fail(new UserError(`the scan in ${namespace} failed (${signal ?? `exit ${code}`})`))));
  });
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('start the lab sandbox, run every technique of the table against its ports, write results, captures and the report, stop the lab')
    .option('--out <dir>', 'where results.json, the pcaps, lab.json, nmap/ and the reports (report.md, report.zh-CN.md) go', 'results/demo')
    .option('--id <n>', 'lab id (namespaces portlab<N>-*, subnet 198.18.N.0/24)', '0')
    .action(async (opts: DemoOptions) => {
      const id = parseLabId(opts.id);
      const out = resolve(opts.out);
      mkdirSync(out, { recursive: true });
      removeEarlierRun(out);
      try {
        process.stderr.write(`portlab demo: starting lab ${id}\n`);
        const lab = await labUp(id);
        const scanner = lab.hosts.find((h) => h.role === 'scanner')!;
        const target = lab.hosts.find((h) => h.role === 'target')!;
        const zombie = lab.hosts.find((h) => h.role === 'zombie')!;
        // The scan runs in this directory, so its command line (quoted by the report) shows --out as typed here.
        await scanInNamespace(scanner.namespace, target.address, zombie.address, opts.out);

        const doc = ScanDocument.parse(JSON.parse(readFileSync(resultsPath(out), 'utf8')));
        process.stdout.write(`\nState (reason) by technique and by how the lab made the port (target ${target.address}):\n\n`);
        process.stdout.write(formatStateTable(doc.results, labTruthOf));

        if (findProgram('nmap')) {
          process.stderr.write('portlab demo: running nmap on the same ports for the report\n');
          for (const problem of await collectNmap(out, doc, lab)) process.stderr.write(`portlab: ${problem}\n`);
          process.stdout.write(
            `\nThe same ports scanned by nmap from the same namespace:\n${formatNmapAgreement(doc.results, (t) => savedNmapAnswers(out, t))}`,
          );
        }
        const reports = REPORTS.map(([lang, file]) => {
          const path = join(out, file);
          writeFileSync(path, renderReport(loadReportInput(out, path), { lang }));
          return path;
        });
        process.stdout.write(
          `\nResults: ${resultsPath(out)}\nCaptures: ${TECHNIQUES.map((t) => capturePath(out, t)).join(', ')}\nReports: ${reports.join(', ')}\n`,
        );
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
