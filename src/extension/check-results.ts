import { join } from 'node:path';
import * as vscode from 'vscode';
import { z } from 'zod';
import { CheckDocument } from '../protocol/check';
import type { CheckCaseKey, CheckView, PacketHeaders } from '../protocol/webview';
import { readPacketHeaders } from './packet-headers';

const MEMENTO_KEY = 'portlab.lastCheck';

/** The last check as the workspace keeps it: the view, and the --out folder its captures are in. */
const StoredCheck = z.object({
  view: z.object({ id: z.number().int().nonnegative(), program: z.string(), document: CheckDocument, partial: z.boolean() }),
  outDir: z.string(),
});
type StoredCheck = z.infer<typeof StoredCheck>;

/**
 * The last check of a student's program, kept with the workspace so that the results panel shows it
 * again after a reload; its runs' captures stay in its --out folder.
 */
export class CheckResults {
  private stored: StoredCheck | undefined;

  constructor(private readonly memento: vscode.Memento) {
    const saved = StoredCheck.safeParse(memento.get(MEMENTO_KEY));
    this.stored = saved.success ? saved.data : undefined;
  }

  get latest(): CheckView | undefined {
    return this.stored?.view;
  }

  record(program: string, outDir: string, document: CheckDocument, partial: boolean): CheckView {
    const view: CheckView = { id: (this.stored?.view.id ?? 0) + 1, program, document, partial };
    this.stored = { view, outDir };
    void this.memento.update(MEMENTO_KEY, this.stored);
    return view;
  }

  /** The capture of one run of the check `checkId`, when it is the last check and the run wrote one. */
  capturePath(checkId: number, key: CheckCaseKey): string | undefined {
    const capture = this.caseOf(checkId, key)?.capture;
    return capture && this.stored ? join(this.stored.outDir, capture) : undefined;
  }

  /** The headers of packet `index` of a run's exchange, read from the run's capture. */
  packetHeaders(checkId: number, key: CheckCaseKey, index: number): PacketHeaders {
    const frame = this.caseOf(checkId, key)?.exchange[index]?.frame;
    const capture = this.capturePath(checkId, key);
    if (!frame || !capture) return { error: vscode.l10n.t('This packet was not captured to a pcap, so its headers cannot be shown.') };
    try {
      return { layers: readPacketHeaders(capture, frame) };
    } catch (err) {
      return { error: err instanceof Error ? err.message : String(err) };
    }
  }

  private caseOf(checkId: number, key: CheckCaseKey) {
    if (this.stored?.view.id !== checkId) return undefined;
    return this.stored.view.document.cases.find((c) => c.technique === key.technique && c.port === key.port);
  }
}
