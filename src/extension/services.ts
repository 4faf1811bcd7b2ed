import type * as vscode from 'vscode';
import type { ScannerCheck } from './check-command';
import type { CheckResults } from './check-results';
import type { HelperPool } from './helper-pool';
import type { LabControl } from './lab-control';
import type { ResultsStore } from './results-store';
import type { ScanLauncher } from './scan-runner';
import type { HelperStatusBar } from './status-bar';

/** What the extension's commands work with, made once at activation. */
export interface Services {
  context: vscode.ExtensionContext;
  store: ResultsStore;
  pool: HelperPool;
  runner: ScanLauncher;
  lab: LabControl;
  /** the last check of a student's program */
  checks: CheckResults;
  scannerCheck: ScannerCheck;
  /** the helpers' status bar item, whose click shows their details */
  statusBar: HelperStatusBar;
}
