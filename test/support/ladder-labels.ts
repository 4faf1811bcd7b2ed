import type { LadderLabels } from '../../webview/ladder';

/** The ladder's words as the English results panel gives them, for the webview tests that draw ladders. */
export const LADDER_LABELS: LadderLabels = {
  scanner: 'scanner',
  target: 'target',
  kernel: 'kernel',
  retry: 'retry',
  noAnswer: 'no answer',
  noPackets: 'no packets',
  zombie: 'zombie',
  inferred: 'inferred',
  spoofed: 'spoofed:',
};
