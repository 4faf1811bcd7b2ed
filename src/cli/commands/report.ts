import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../../base/errors';
import { isReportLang, loadReportInput, renderReport, REPORT_LANGS } from '../../report';
import { collectNmap } from '../nmap-run';

interface ReportOptions {
  output?: string;
  lang: string;
  withNmap?: boolean;
}

export function register(program: Command): void {
  program
    .command('report')
    .description("write the lab report (Markdown) from a scan's --out directory: results, captures, lab description")
    .argument('<dir>', 'directory written by `portlab scan --out DIR` (results.json, <technique>.pcap, optional lab.json)')
    .option('-o, --output <file>', 'where to write the report (default: DIR/report.md)')
    .option('--lang <lang>', `report language: ${REPORT_LANGS.join(' or ')}`, 'en')
    .option('--with-nmap', "also run nmap with the same techniques on the same ports and show its answers beside PortLab's")
    .action(async (dir: string, opts: ReportOptions) => {
      if (!isReportLang(opts.lang)) throw new UserError(`unknown report language '${opts.lang}': use ${REPORT_LANGS.join(' or ')}`);
      const output = resolve(opts.output ?? join(dir, 'report.md'));
      let input = loadReportInput(dir, output);
      if (opts.withNmap) {
        for (const problem of await collectNmap(dir, input.doc, input.lab)) process.stderr.write(`portlab: ${problem}\n`);
        input = loadReportInput(dir, output);
      }
      writeFileSync(output, renderReport(input, { lang: opts.lang }));
      process.stdout.write(`${output}\n`);
    });
}
