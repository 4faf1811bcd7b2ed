import { formatExchange, TECHNIQUES, type CheckCase, type CheckDocument } from '../protocol';
import type { Deviation } from '../analysis/deviations';
import type { Messages } from './i18n';
import { sequenceDiagram } from './mermaid';
import { fence, table } from './markdown';

/** A `portlab check` of the student's own scanner, as the report shows it. */
export interface ScannerCheck {
  doc: CheckDocument;
  /** the --out folder as a link from the report ("." when the report is written into it) */
  folderHref: string;
}

function link(check: ScannerCheck, file: string, label: string): string {
  return `[${label}](${check.folderHref === '.' ? file : `${check.folderHref}/${file}`})`;
}

function truthCell(c: CheckCase, m: Messages): string {
  const expected = `${c.expected.state} (${c.expected.reason})`;
  if (c.truth) return `${m.truth(c.truth)} → ${expected}`;
  const nmap = c.nmap ? `; nmap${m.colon}${c.nmap.state} (${c.nmap.reason})` : '';
  return `${m.scannerSource(c.expected.source)}${m.colon}${expected}${nmap}`;
}

function caseRow(check: ScannerCheck, c: CheckCase, m: Messages): string[] {
  const files = [c.capture && link(check, c.capture, m.scannerCapture), c.outputFile && link(check, c.outputFile, m.scannerOutput)].filter(Boolean);
  return [
    `${c.port}/${c.protocol}`,
    truthCell(c, m),
    c.program.verdict ?? m.scannerNoVerdict,
    m.scannerResult(c.result),
    c.exchange.length ? `\`${formatExchange(c.exchange)}\`` : m.scannerNoPackets,
    c.textbook ? c.textbook.deviations.map((d) => d.kind).join(', ') || m.scannerNoDeviation : m.unknown,
    files.join(' · ') || m.unknown,
  ];
}

/** What the run's packets and output show, under the table: the ladder, the deviations, the end of a failed run's output. */
function caseDetail(c: CheckCase, m: Messages): string[] {
  const parts = [`#### ${m.scannerCaseHeading(`${c.port}/${c.protocol}`, m.scannerResult(c.result))}`];
  const scanner = c.exchange.find((p) => p.dir === 'out')?.src;
  if (scanner)
    parts.push(
      fence(
        'mermaid',
        sequenceDiagram(c.exchange, scanner, c.target, c.port, {
          scanner: m.scannerYours,
          target: m.target,
          from: m.from,
          silence: m.silenceNote,
          kernel: m.kernelNote,
          retry: m.retryNote,
        }),
      ),
    );
  else parts.push(m.scannerSentNothing);
  const textbook = c.textbook;
  if (textbook) {
    parts.push(textbook.matches ? m.scannerTextbookMatch : m.scannerTextbookDiffers);
    // check.json keeps each deviation's facts as the analysis gave them, so the report words it in its own language.
    const words = textbook.deviations.map(
      (d) => `- ${m.captureAnalysis.deviation({ kind: d.kind, frames: d.frames, facts: d.facts } as Deviation, textbook.technique)}`,
    );
    if (words.length) parts.push(words.join('\n'));
  }
  const p = c.program;
  if (c.result === 'timed-out') parts.push(m.scannerTimedOut((p.durationMs / 1000).toFixed(1)));
  if (c.result === 'no-verdict' || c.result === 'crashed') {
    const tail = (c.result === 'crashed' && p.stderr.trim() ? p.stderr : p.output).trimEnd().split('\n').slice(-6).join('\n');
    if (c.result === 'crashed') parts.push(m.scannerCrashed(p.signal, p.exitCode, tail !== ''));
    else parts.push(tail ? m.scannerNoVerdictLine : m.scannerNoOutput);
    if (tail) parts.push(fence('text', tail));
  }
  return parts;
}

/** "Your scanner": the student's program, run once per port by `portlab check`, against the truth. */
export function scannerSection(check: ScannerCheck, m: Messages): string {
  const { doc } = check;
  const parts = [`## ${m.scannerHeading}`, m.scannerIntro(doc.timeoutMs / 1000, doc.lab)];
  const correct = doc.cases.filter((c) => c.result === 'correct').length;
  parts.push(m.scannerTally(correct, doc.cases.length));
  for (const technique of TECHNIQUES) {
    const cases = doc.cases.filter((c) => c.technique === technique);
    if (cases.length === 0) continue;
    const programs = [...new Set(cases.map((c) => c.command.join(' ')))];
    parts.push(
      `### ${m.techniqueTitle(technique)}`,
      m.scannerProgram(programs.map((p) => `\`${p}\``).join(', ')),
      table(
        [m.colPort, m.scannerColTruth, m.scannerColSaid, m.colVerdict, m.scannerColPackets, m.scannerColDeviations, m.scannerColFiles],
        cases.map((c) => caseRow(check, c, m)),
      ),
      ...cases.flatMap((c) => caseDetail(c, m)),
    );
  }
  return parts.join('\n\n');
}
