import type { Command } from 'commander';
import { UserError } from '../../base/errors';
import { isDecodableLinkType } from '../../wire';
import { readCaptureFile } from '../../wire/pcap';
import { analyzeContents } from '../../analysis/analyze-capture';
import { captureAnalysisDocument, renderCaptureAnalysis } from '../../report/analysis-text';
import { isReportLang, REPORT_LANGS } from '../../report';
import { Technique, TECHNIQUES } from '../../protocol';

interface AnalyzeOptions {
  json?: boolean;
  lang: string;
  technique?: string;
}

export function register(program: Command): void {
  program
    .command('analyze')
    .description('check every port-scan exchange of a capture against the textbook, whoever scanned (nmap, a Scapy program, PortLab)')
    .argument('<file>', 'a pcap or pcapng capture (Wireshark, tcpdump, tshark)')
    .option('--json', 'print the analysis as JSON')
    .option('--lang <lang>', `language of the sentences: ${REPORT_LANGS.join(' or ')}`, 'en')
    .option('--technique <name>', `the scan the capture holds, where its probes look alike (connect or syn, ack or window): ${TECHNIQUES.join(', ')}`)
    .action((file: string, opts: AnalyzeOptions) => {
      if (!isReportLang(opts.lang)) throw new UserError(`unknown language '${opts.lang}': use ${REPORT_LANGS.join(' or ')}`);
      const technique = opts.technique === undefined ? undefined : Technique.safeParse(opts.technique).data;
      if (opts.technique !== undefined && !technique) throw new UserError(`unknown technique '${opts.technique}': use ${TECHNIQUES.join(', ')}`);
      const contents = readCaptureFile(file);
      if (!contents.format) {
        const why = contents.error ?? 'not a pcap or pcapng file';
        throw new UserError(why.includes(file) ? why : `${file}: ${why}`);
      }
      const decodable = contents.records.some((r) => isDecodableLinkType(r.linkType));
      if (contents.unsupportedLinkTypes.length && !decodable) throw new UserError(`${file}: ${contents.unsupportedLinkTypes.join('; ')}`);
      // Some interfaces of a pcapng may be of a link type PortLab cannot decode: their packets count as unattributed.
      for (const line of contents.unsupportedLinkTypes) process.stderr.write(`portlab: ${file}: ${line}\n`);
      const doc = captureAnalysisDocument(file, analyzeContents(contents, technique ? { technique } : {}), opts.lang);
      process.stdout.write(opts.json ? `${JSON.stringify(doc, null, 2)}\n` : renderCaptureAnalysis(doc, opts.lang));
    });
}
