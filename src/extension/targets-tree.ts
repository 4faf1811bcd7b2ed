import * as vscode from 'vscode';
import { coalesce } from './coalesce';
import { foldedStates } from '../output/nmap-model';
import { labHostDescription, labHostTooltip } from './lab-host-label';
import { formatExchange, PORT_STATES, type PortResult, type PortState, type Technique } from '../protocol/scan';
import type { ResultsStore, TargetEntry, TechniqueEntry } from './results-store';
import { techniqueLabel } from './techniques';
import { techniqueSummary } from './tree-summary';

export type TreeNode =
  | { kind: 'target'; target: string }
  | { kind: 'technique'; target: string; technique: Technique }
  /** a technique's ports in one state when they are too many to list, as nmap's "Not shown: 2996 closed tcp ports" */
  | { kind: 'portGroup'; target: string; technique: Technique; state: PortState }
  | { kind: 'port'; result: PortResult };

/** Codicon and theme colour per state: green open, red closed, yellow filtered, orange undecided, blue unfiltered. */
const STATE_ICON: Record<PortState, [string, string]> = {
  open: ['pass-filled', 'charts.green'],
  closed: ['error', 'charts.red'],
  filtered: ['shield', 'charts.yellow'],
  'open|filtered': ['question', 'charts.orange'],
  // the ACK scan's probe got through: no firewall in the way, open or closed unknown
  unfiltered: ['unlock', 'charts.blue'],
  // the idle scan cannot tell a closed port from a filtered one
  'closed|filtered': ['circle-slash', 'charts.red'],
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
      const results = this.store.resultsOf(node.target, node.technique);
      // A state with many ports is one row, by nmap's rule for its "Not shown" line: a full-range scan shows its
      // few interesting ports at once, and the tree stays cheap to redraw while thousands of results arrive.
      const grouped = foldedStates(results);
      const listed: TreeNode[] = results.filter((r) => !grouped.has(r.state)).map((result) => ({ kind: 'port', result }));
      return [
        ...listed,
        ...PORT_STATES.filter((state) => grouped.has(state)).map((state): TreeNode => ({
          kind: 'portGroup',
          target: node.target,
          technique: node.technique,
          state,
        })),
      ];
    }
    if (node.kind === 'portGroup') return this.store.resultsOf(node.target, node.technique, node.state).map((result) => ({ kind: 'port', result }));
    return [];
  }

  getParent(node: TreeNode): TreeNode | undefined {
    if (node.kind === 'port') {
      const { target, technique, state } = node.result;
      const te = this.store.get(target)?.techniques.get(technique);
      return te && foldedStates(te.results.values()).has(state) ? { kind: 'portGroup', target, technique, state } : { kind: 'technique', target, technique };
    }
    if (node.kind === 'portGroup') return { kind: 'technique', target: node.target, technique: node.technique };
    if (node.kind === 'technique') return { kind: 'target', target: node.target };
    return undefined;
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    if (node.kind === 'target') return this.targetItem(this.store.get(node.target));
    if (node.kind === 'technique') return this.techniqueItem(node.target, this.store.get(node.target)?.techniques.get(node.technique));
    if (node.kind === 'portGroup') return portGroupItem(node, this.store.resultsOf(node.target, node.technique, node.state));
    return portItem(node.result);
  }

  /** A port's tooltip (its whole exchange) is made when it is hovered, not for every row at every refresh. */
  resolveTreeItem(item: vscode.TreeItem, node: TreeNode): vscode.TreeItem {
    if (node.kind === 'port') item.tooltip = portTooltip(node.result);
    return item;
  }

  private targetItem(entry: TargetEntry | undefined): vscode.TreeItem {
    const item = new vscode.TreeItem(entry?.address ?? '', vscode.TreeItemCollapsibleState.Expanded);
    item.id = `target:${entry?.address}`;
    item.contextValue = 'target';
    item.iconPath = new vscode.ThemeIcon(entry?.labId !== undefined ? 'beaker' : 'vm');
    if (entry?.labId !== undefined) {
      item.description = labHostDescription(entry.address, entry.labId);
      const why = labHostTooltip(entry.address);
      if (why) item.tooltip = why;
    }
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
      const counts = new Map(PORT_STATES.map((s) => [s, [...(te?.results.values() ?? [])].filter((r) => r.state === s).length]));
      const summary = techniqueSummary(counts);
      const partial = te?.partial ? ` ${vscode.l10n.t('(partial)')}` : '';
      item.description = summary.short + partial;
      item.tooltip = `${techniqueLabel(technique)}: ${summary.full}${partial}`;
    }
    return item;
  }
}

/** `ports`: the results in the group's state. */
function portGroupItem(node: Extract<TreeNode, { kind: 'portGroup' }>, ports: PortResult[]): vscode.TreeItem {
  const protocol = ports[0]?.protocol ?? (node.technique === 'udp' ? 'udp' : 'tcp');
  const item = new vscode.TreeItem(vscode.l10n.t('{0} {1} {2} ports', ports.length, node.state, protocol), vscode.TreeItemCollapsibleState.Collapsed);
  item.id = `portGroup:${node.target}:${node.technique}:${node.state}`;
  const reasons = new Map<string, number>();
  for (const r of ports) reasons.set(r.reason, (reasons.get(r.reason) ?? 0) + 1);
  item.description = [...reasons]
    .sort((a, b) => b[1] - a[1])
    .map(([reason, n]) => (reasons.size === 1 ? reason : `${n} ${reason}`))
    .join(', ');
  item.iconPath = stateIcon(node.state);
  item.contextValue = 'port-group';
  return item;
}

function portItem(r: PortResult): vscode.TreeItem {
  const item = new vscode.TreeItem(`${r.port}/${r.protocol} ${r.state}`, vscode.TreeItemCollapsibleState.None);
  item.id = `port:${r.target}:${r.technique}:${r.port}`;
  item.description = r.reason;
  item.iconPath = stateIcon(r.state);
  item.contextValue = 'port';
  item.command = { command: 'portlab.showExchange', title: vscode.l10n.t('Show Exchange'), arguments: [{ kind: 'port', result: r }] };
  return item;
}

function portTooltip(r: PortResult): vscode.MarkdownString {
  const tooltip = new vscode.MarkdownString();
  tooltip.appendMarkdown(
    `**${r.port}/${r.protocol}** ${r.service ?? ''} — ${r.state} (${r.reason}${r.reasonTtl !== undefined ? ` ttl ${r.reasonTtl}` : ''})\n\n`,
  );
  tooltip.appendCodeblock(formatExchange(r.exchange) || vscode.l10n.t('no packets'), 'text');
  return tooltip;
}
