import * as vscode from 'vscode';
import type { LabDescription } from '../protocol/lab';
import { labTopology } from '../lab/topology';
import { readSettings } from './config';
import { showHelperError, type HelperPool } from './helper-pool';
import { labTreeTargets } from './lab-targets';
import type { ResultsStore } from './results-store';

/**
 * Starts and stops the lab sandbox through a privileged helper in the host's namespace (creating
 * namespaces needs root); the hosts a student scans join the tree so that they can be scanned at once.
 */
export class LabControl {
  constructor(
    private readonly pool: HelperPool,
    private readonly store: ResultsStore,
  ) {}

  async start(id = readSettings().labId): Promise<LabDescription | undefined> {
    try {
      const lab = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Starting lab sandbox {0}…', id) },
        async () => {
          const client = await this.pool.get({ raw: true, lab: true });
          return client.labUp(id);
        },
      );
      const target = labTopology(id).target.address;
      for (const address of labTreeTargets(lab)) this.store.addTarget(address, id);
      void vscode.window.showInformationMessage(vscode.l10n.t('Lab sandbox {0} is up: scan its target {1}.', id, target));
      return lab;
    } catch (err) {
      void showHelperError(err);
      return undefined;
    }
  }

  async stop(id = readSettings().labId): Promise<boolean> {
    try {
      const client = await this.pool.get({ raw: true, lab: true });
      const { removed } = await client.labDown(id);
      void vscode.window.showInformationMessage(
        removed ? vscode.l10n.t('Lab sandbox {0} removed.', id) : vscode.l10n.t('Lab sandbox {0} was not running.', id),
      );
      return removed;
    } catch (err) {
      void showHelperError(err);
      return false;
    }
  }
}
