import { lastOutputLine, type CheckCase, type CheckResult } from '../src/protocol/check';
import type { LabTruth } from '../src/protocol/lab';
import type { CheckCaseKey, WebviewStringKey } from '../src/protocol/webview';
import { deviationsCell } from './deviation-text';
import type { Translate } from './dom';

// The check table's tests read a case's deviating frames from here; the one function is exchange-view's.

/** One row of "your program vs truth": port · truth · expected · program said · verdict · deviations. */
export interface CheckRow {
  key: CheckCaseKey;
  result: CheckResult;
  port: string;
  truth: string;
  expected: string;
  said: string;
  verdict: string;
  deviations: string;
}

const TRUTH_WORD: Record<LabTruth, WebviewStringKey> = {
  open: 'truthOpen',
  closed: 'truthClosed',
  'filtered-drop': 'truthDrop',
  'filtered-reject': 'truthReject',
  'filtered-syn': 'truthSyn',
};

const RESULT_WORD: Record<CheckResult, WebviewStringKey> = {
  correct: 'resultCorrect',
  wrong: 'resultWrong',
  'no-verdict': 'resultNoVerdict',
  crashed: 'resultCrashed',
  'timed-out': 'resultTimedOut',
};

/** A case's identity as one string: the row's data-key. */
export function checkKeyString(key: CheckCaseKey): string {
  return `${key.technique}/${key.port}`;
}

/** What the program said: the state it named, else how it ended, else what it printed instead. */
function programSaid(c: CheckCase, t: Translate, timeoutS: number): string {
  const p = c.program;
  if (p.timedOut) return [p.verdict, t('saidTimedOut', timeoutS)].filter(Boolean).join(' ');
  if (p.verdict !== null) return p.verdict;
  if (p.crashed) return p.signal ? t('saidSignal', p.signal) : t('saidExitCode', p.exitCode ?? '');
  const printed = lastOutputLine(p.output);
  return printed === undefined ? t('saidNothing') : `“${printed}”`;
}

export function checkRow(c: CheckCase, t: Translate, timeoutS: number): CheckRow {
  return {
    key: { technique: c.technique, port: c.port },
    result: c.result,
    port: `${c.port}/${c.protocol}`,
    truth: c.truth ? t(TRUTH_WORD[c.truth]) : '',
    expected: `${c.expected.state} (${c.expected.reason})`,
    said: programSaid(c, t, timeoutS),
    verdict: t(RESULT_WORD[c.result]),
    deviations: deviationsCell(c.textbook?.deviations ?? [], t),
  };
}
