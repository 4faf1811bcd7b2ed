import * as vscode from 'vscode';
import { coalesce } from './coalesce';
import { PORT_STATES, type PortResult, type PortState, type Technique } from '../protocol/scan';
import { formatExchange } from '../protocol/scan';
import type { ResultsStore, TargetEntry, TechniqueEntry } from './results-store';
import { techniqueLabel } from './techniques';

export type TreeNode =
  | { kind: 'target'; target: string }
  | { kind: 'technique'; target: string; technique: Technique }
  | { kind: 'port'; result: PortResult };

/** Codicon and theme colour per state: green open, red closed, yellow filtered, orange undecided. */
const STATE_ICON: Record<PortState, [string, string]> = {
  open: ['pass-filled', 'charts.green'],
  closed: ['error', 'charts.red'],
  filtered: ['shield', 'charts.yellow'],
  'open|filtered': ['question', 'charts.orange'],
};

export function stateIcon(state: PortState): vscode.ThemeIcon {
  const [icon, colour] = STATE_ICON[state];
  return new vscode.ThemeIcon(icon, new vscode.ThemeColor(colour));
}

const TREE_REFRESH_MS = 500;

/** Targets → techniques → ports, refreshed as results arrive. */
export class TargetsTree implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;
  // Whole-tree refreshes, twice a second at most: the tree shows a scan's progress, not every port's arrival.
  private readonly refresh = coalesce(() => this.changed.fire(undefined), TREE_REFRESH_MS);

  constructor(private readonly store: ResultsStore) {
    this.subscription = store.onDidChange(() => this.refresh.request());
  }

  dispose(): void {
    this.subscription.dispose();
    this.refresh.dispose();
    this.changed.dispose();
  }

  getChildren(node?: TreeNode): TreeNode[] {
    if (!node) return this.store.list().map((t) => ({ kind: 'target', target: t.address }));
    if (node.kind === 'target') {
      const entry = this.store.get(node.target);
      return entry ? [...entry.techniques.keys()].map((technique) => ({ kind: 'technique', target: node.target, technique })) : [];
    }
    if (node.kind === 'technique') {
      const te = this.store.get(node.target)?.techniques.get(node.technique);
      return te ? [...te.results.values()].sort((a, b) => a.port - b.port).map((result) => ({ kind: 'port', result })) : [];
    }
    return [];
  }

  getParent(node: TreeNode): TreeNode | undefined {
    if (node.kind === 'port') return { kind: 'technique', target: node.result.target, technique: node.result.technique };
    if (node.kind === 'technique') return { kind: 'target', target: node.target };
    return undefined;
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    if (node.kind === 'target') return this.targetItem(this.store.get(node.target));
    if (node.kind === 'technique') return this.techniqueItem(node.target, this.store.get(node.target)?.techniques.get(node.technique));
    return portItem(node.result);
  }

  private targetItem(entry: TargetEntry | undefined): vscode.TreeItem {
    const item = new vscode.TreeItem(entry?.address ?? '', vscode.TreeItemCollapsibleState.Expanded);
    item.id = `target:${entry?.address}`;
    item.contextValue = 'target';
    item.iconPath = new vscode.ThemeIcon(entry?.labId !== undefined ? 'beaker' : 'vm');
    if (entry?.labId !== undefined) item.description = vscode.l10n.t('lab {0} target', entry.labId);
    return item;
  }

  private techniqueItem(target: string, te: TechniqueEntry | undefined): vscode.TreeItem {
    const technique = te?.technique ?? 'connect';
    const item = new vscode.TreeItem(techniqueLabel(technique), vscode.TreeItemCollapsibleState.Expanded);
    item.id = `technique:${target}:${technique}`;
    item.contextValue = te?.capture ? 'technique-capture' : 'technique';
    if (te?.running) {
      item.iconPath = new vscode.ThemeIcon('loading~spin');
      item.description = vscode.l10n.t('scanning {0}/{1}', te.running.done, te.running.total);
    } else {
      item.iconPath = new vscode.ThemeIcon('radio-tower');
      const counts = PORT_STATES.map((s) => [s, [...(te?.results.values() ?? [])].filter((r) => r.state === s).length] as const).filter(([, n]) => n > 0);
      item.description = counts.map(([s, n]) => `${n} ${s}`).join(' · ') + (te?.partial ? ` ${vscode.l10n.t('(partial)')}` : '');
    }
    return item;
  }
}

export function portItem(r: PortResult): vscode.TreeItem {
  const item = new vscode.TreeItem(`${r.port}/${r.protocol} ${r.state}`, vscode.TreeItemCollapsibleState.None);
  item.id = `port:${r.target}:${r.technique}:${r.port}`;
  item.description = r.reason;
  item.iconPath = stateIcon(r.state);
  item.contextValue = 'port';
  const tooltip = new vscode.MarkdownString();
  tooltip.appendMarkdown(`**${r.port}/${r.protocol}** ${r.service ?? ''} — ${r.state} (${r.reason}${r.reasonTtl !== undefined ? ` ttl ${r.reasonTtl}` : ''})\n\n`);
  tooltip.appendCodeblock(formatExchange(r.exchange) || vscode.l10n.t('no packets'), 'text');
  item.tooltip = tooltip;
  item.command = { command: 'portlab.showExchange', title: vscode.l10n.t('Show Exchange'), arguments: [{ kind: 'port', result: r }] };
  return item;
}
