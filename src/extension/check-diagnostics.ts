import * as vscode from 'vscode';
import type { CheckDocument } from '../protocol/check';
import { checkProblems, type CheckProblem } from './check-problems';
import { techniqueLabel } from './techniques';

/**
 * The Problems panel's entries for a checked program: one per case that is not correct, on the line
 * its traceback names or the first. They go when a check passes, and when the file is edited: they
 * describe the program as it was checked.
 */
export class CheckDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('portlab');
  private readonly edits = vscode.workspace.onDidChangeTextDocument((e) => {
    if (e.contentChanges.length > 0) this.collection.delete(e.document.uri);
  });

  show(program: vscode.Uri, doc: CheckDocument): void {
    const problems = checkProblems(doc, program.fsPath);
    if (problems.length === 0) return this.collection.delete(program);
    this.collection.set(
      program,
      problems.map((p) => {
        const range = new vscode.Range(p.line, 0, p.line, Number.MAX_SAFE_INTEGER);
        const diagnostic = new vscode.Diagnostic(
          range,
          `${techniqueLabel(p.check.technique)}: ${problemMessage(p, doc.timeoutMs / 1000)}`,
          vscode.DiagnosticSeverity.Error,
        );
        diagnostic.source = 'PortLab';
        diagnostic.code = p.check.result;
        return diagnostic;
      }),
    );
  }

  dispose(): void {
    this.edits.dispose();
    this.collection.dispose();
  }
}

/** "port 110/tcp is filtered (ICMP 3/13, admin-prohibited), but the program printed nothing". */
function problemMessage(p: CheckProblem, timeoutS: number): string {
  const { port, protocol, expected, program } = p.check;
  const where = `${port}/${protocol}`;
  const why = p.answer ? `${p.answer}, ${expected.reason}` : expected.reason;
  switch (p.check.result) {
    case 'wrong':
      return vscode.l10n.t('port {0} is {1} ({2}), but the program said {3}', where, expected.state, why, program.verdict ?? '');
    case 'no-verdict':
      return p.lastOutput
        ? vscode.l10n.t('port {0} is {1} ({2}), but the program named no state; it printed “{3}”', where, expected.state, why, p.lastOutput)
        : vscode.l10n.t('port {0} is {1} ({2}), but the program printed nothing', where, expected.state, why);
    case 'crashed':
      return program.signal
        ? vscode.l10n.t('port {0} is {1} ({2}), but the program was killed by {3}', where, expected.state, why, program.signal)
        : p.lastError
          ? vscode.l10n.t(
              'port {0} is {1} ({2}), but the program failed with exit code {3}: {4}',
              where,
              expected.state,
              why,
              program.exitCode ?? '',
              p.lastError,
            )
          : vscode.l10n.t('port {0} is {1} ({2}), but the program failed with exit code {3}', where, expected.state, why, program.exitCode ?? '');
    case 'timed-out':
      return vscode.l10n.t('port {0} is {1} ({2}), but the program was still running after {3} s and was stopped', where, expected.state, why, timeoutS);
    case 'correct':
      return '';
  }
}
