import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { ScanDocument, TECHNIQUES, NMAP_FLAG } from '../../protocol';
import { UserError } from '../../engine/errors';
import { LAB_TRUTH, labDown, labTruthOf, labUp, parseLabId } from '../../lab';
import { collectNmap, isReportLang, LAB_FILE, loadReportInput, REPORT_LANGS, RESULTS_FILE, renderReport } from '../../report';
import { findProgram } from '../../engine/program-path';
import { formatStateTable } from '../demo/state-table';

interface DemoOptions {
  out: string;
  id: string;
  lang: string;
}

/** nmap's T:/U: port qualifiers, so TCP techniques probe the lab's TCP ports and UDP its UDP ports. */
function labPortSpec(): string {
  const list = (protocol: 'tcp' | 'udp') => LAB_TRUTH.filter((p) => p.protocol === protocol).map((p) => p.port).join(',');
  return `T:${list('tcp')},U:${list('udp')}`;
}

/** Runs the CLI's own `scan` inside the lab's scanner namespace, showing its progress on this terminal. */
function scanInNamespace(namespace: string, target: string, out: string): Promise<void> {
  const args = ['netns', 'exec', namespace, process.execPath, process.argv[1]!, 'scan', target, '-p', labPortSpec(),
    ...TECHNIQUES.map((t) => `-s${NMAP_FLAG[t]}`), '--out', out];
  return new Promise((done, fail) => {
    const child = spawn('ip', args, { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', fail);
    child.on('exit', (code, signal) =>
      code === 0 ? done() : fail(new UserError(`the scan in ${namespace} failed (${signal ?? `exit ${code}`})`)));
  });
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('start the lab sandbox, run all six techniques against its ports, write results, captures and the report, stop the lab')
    .option('--out <dir>', 'where results.json, the pcaps, lab.json and report.md go', 'results/demo')
    .option('--id <n>', 'lab id (namespaces portlab<N>-*, subnet 198.18.N.0/24)', '0')
    .option('--lang <lang>', 'report language: en or zh-CN', 'en')
    .action(async (opts: DemoOptions) => {
      const id = parseLabId(opts.id);
      if (!isReportLang(opts.lang)) throw new UserError(`unknown report language '${opts.lang}': use ${REPORT_LANGS.join(' or ')}`);
      const lang = opts.lang;
      const out = resolve(opts.out);
      mkdirSync(out, { recursive: true });
      try {
        process.stderr.write(`portlab demo: starting lab ${id}\n`);
        const lab = await labUp(id);
        writeFileSync(join(out, LAB_FILE), JSON.stringify(lab, null, 2) + '\n');
        const scanner = lab.hosts.find((h) => h.role === 'scanner')!;
        const target = lab.hosts.find((h) => h.role === 'target')!;
        await scanInNamespace(scanner.namespace, target.address, out);

        const doc = ScanDocument.parse(JSON.parse(readFileSync(join(out, RESULTS_FILE), 'utf8')));
        process.stdout.write(`\nState (reason) by technique and by how the lab made the port (target ${target.address}):\n\n`);
        process.stdout.write(formatStateTable(doc.results, labTruthOf));

        const reportPath = join(out, 'report.md');
        if (findProgram('nmap')) {
          process.stderr.write('portlab demo: running nmap on the same ports for the report\n');
          for (const problem of await collectNmap(out, doc, lab)) process.stderr.write(`portlab: ${problem}\n`);
        }
        writeFileSync(reportPath, renderReport(loadReportInput(out, reportPath), { lang }));
        process.stdout.write(`\nResults: ${join(out, RESULTS_FILE)}\nCaptures: ${TECHNIQUES.map((t) => join(out, `${t}.pcap`)).join(', ')}\nReport: ${reportPath}\n`);
      } finally {
        await labDown(id);
        process.stderr.write(`portlab demo: lab ${id} removed\n`);
      }
    });
}
