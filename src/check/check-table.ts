import { formatExchange, type CheckCase, type CheckDocument, type CheckResult, type ExpectedAnswer, type LabTruth } from '../protocol';
import { NMAP_FLAG, TECHNIQUE_TABLE } from '../technique';

const RESULT_WORDS: Record<CheckResult, string> = {
  correct: 'correct',
  wrong: 'wrong',
  'no-verdict': 'no verdict',
  crashed: 'crashed',
  'timed-out': 'timed out',
};

const TRUTH_WORDS: Record<LabTruth, string> = {
  open: 'open',
  closed: 'closed',
  'filtered-drop': 'filtered (drop)',
  'filtered-reject': 'filtered (reject)',
  'filtered-syn': 'filtered (SYN only)',
};

/** Lines of a program's output quoted under a case that went wrong: enough for a traceback's last frame and error. */
const QUOTED_LINES = 4;

function answer(a: ExpectedAnswer): string {
  return `${a.state} (${a.reason})`;
}

/** Where the expectation comes from: the lab's truth, or PortLab's scan (and whether nmap says the same). */
function truthCell(c: CheckCase): string {
  if (c.truth) return TRUTH_WORDS[c.truth];
  if (!c.nmap) return c.expected.source;
  return c.nmap.state === c.expected.state ? `${c.expected.source}, nmap agrees` : `${c.expected.source}; nmap: ${answer(c.nmap)}`;
}

/** The exchange in arrow notation, the technique it is on the wire when that is not the one checked, and its deviations' kinds. */
function packetsCell(c: CheckCase): string {
  if (!c.textbook) return 'no packets';
  const onWire = c.textbook.technique === 'unknown' ? 'no known scan' : `a ${TECHNIQUE_TABLE[c.textbook.technique].displayName} scan`;
  const wire = c.textbook.technique === c.technique ? '' : ` (${onWire} on the wire)`;
  const deviations = c.textbook.deviations.map((d) => d.kind);
  return `${formatExchange(c.exchange)}${wire}${deviations.length ? `  [${deviations.join(', ')}]` : ''}`;
}

/** What differs from the textbook in the packets of a case whose exchange does not follow it. */
function packetNotes(c: CheckCase): string[] {
  if (!c.textbook || c.textbook.matches) return [];
  return [`${c.technique} ${c.port}/${c.protocol}: its packets differ from the textbook`, ...c.textbook.deviations.map((d) => `    ${d.text}`)];
}

function lastLines(text: string): string[] {
  return text.trimEnd().split('\n').slice(-QUOTED_LINES);
}

/** Why a case that is not correct is not, in a sentence and the lines of output that show it. */
function caseNote(c: CheckCase): string[] {
  const p = c.program;
  const head = `${c.technique} ${c.port}/${c.protocol}:`;
  const quote = (lines: string[]) => lines.map((l) => `    ${l}`);
  switch (c.result) {
    case 'correct':
      return [];
    case 'wrong':
      return [`${head} said ${p.verdict} ("${p.verdictLine ?? ''}"), expected ${answer(c.expected)}`];
    case 'no-verdict':
      return [
        `${head} no line of its output names a state (open, closed, filtered, open|filtered), exit code ${p.exitCode ?? '-'}`,
        ...quote(p.output.trim() ? lastLines(p.output) : ['(stdout empty)']),
      ];
    case 'crashed':
      return [
        `${head} crashed (${p.signal ? `killed by ${p.signal}` : `exit code ${p.exitCode}`}) without a verdict`,
        ...quote(lastLines(p.stderr.trim() ? p.stderr : p.output || '(no output)')),
      ];
    case 'timed-out':
      return [`${head} still running after ${(p.durationMs / 1000).toFixed(1)} s: killed with its children`];
  }
}

function pad(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]! + 2)))
      .join('')
      .trimEnd(),
  );
}

/** The check as text: a table per technique (port · truth · expected · program said · verdict · packets), then why each failure failed. */
export function formatCheckTable(doc: CheckDocument): string {
  const out: string[] = [];
  const techniques = [...new Set(doc.cases.map((c) => c.technique))];
  for (const technique of techniques) {
    const cases = doc.cases.filter((c) => c.technique === technique);
    const target = cases[0]!.target;
    out.push(
      `${TECHNIQUE_TABLE[technique].displayName} scan (-s${NMAP_FLAG[technique]}) of ${target}${doc.lab === undefined ? '' : ` (lab ${doc.lab})`}: ${doc.program.join(' ')}`,
    );
    const rows = [
      ['PORT', 'TRUTH', 'EXPECTED', 'PROGRAM SAID', 'VERDICT', 'PACKETS'],
      ...cases.map((c) => [`${c.port}/${c.protocol}`, truthCell(c), answer(c.expected), c.program.verdict ?? '-', RESULT_WORDS[c.result], packetsCell(c)]),
    ];
    out.push(...pad(rows), '');
  }
  const counts = new Map<CheckResult, number>();
  for (const c of doc.cases) counts.set(c.result, (counts.get(c.result) ?? 0) + 1);
  const tally = [...counts].map(([result, n]) => `${n} ${RESULT_WORDS[result]}`).join(', ');
  out.push(`${doc.cases.length} case${doc.cases.length === 1 ? '' : 's'}: ${tally}`);
  const notes = [...doc.cases.flatMap(caseNote), ...doc.cases.flatMap(packetNotes)];
  if (notes.length) out.push('', ...notes);
  return `${out.join('\n')}\n`;
}
