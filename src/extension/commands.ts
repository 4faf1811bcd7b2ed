import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { canonicalAddress } from '../engine/scope';
import { labOfAddress, labTopology } from '../lab/topology';
import { portRanges } from '../output/nmap-model';
import { TECHNIQUES, Technique } from '../protocol/scan';
import { readSettings } from './config';
import { showHelperError } from './helper-pool';
import { labHostDescription } from './lab-host-label';
import { routeOfScan } from './lab-targets';
import { generateReport } from './report-command';
import { ResultsPanel } from './results-panel';
import { askScan, portListProblem, zombieProblem } from './scan-dialog';
import type { ScanRequest } from './scan-runner';
import type { Services } from './services';
import type { TreeNode } from './targets-tree';

/** Every command the extension contributes; the package.json list is checked against this in tests. */
export const COMMAND_IDS = [
  'portlab.addTarget',
  'portlab.discoverHosts',
  'portlab.scanTarget',
  'portlab.rescan',
  'portlab.stopScan',
  'portlab.startLab',
  'portlab.stopLab',
  'portlab.showResults',
  'portlab.showExchange',
  'portlab.openCapture',
  'portlab.removeTarget',
  'portlab.generateReport',
  'portlab.checkScanner',
  'portlab.showHelper',
] as const;

/** A scan given as an argument (automation, tests) rather than asked for. */
function scanRequestArg(arg: unknown): ScanRequest | undefined {
  if (typeof arg !== 'object' || arg === null || !('target' in arg) || !('techniques' in arg) || !('ports' in arg)) return undefined;
  const { target, techniques, ports, zombie } = arg as Record<string, unknown>;
  const parsed = Technique.array().min(1).safeParse(techniques);
  if (typeof target !== 'string' || typeof ports !== 'string' || !parsed.success || portListProblem(ports)) return undefined;
  if (zombie === undefined) return { target, techniques: parsed.data, ports };
  return typeof zombie === 'string' && !zombieProblem(zombie) ? { target, techniques: parsed.data, ports, zombie } : undefined;
}

export function registerCommands(s: Services): vscode.Disposable[] {
  const pickTarget = async (): Promise<string | undefined> => {
    const known = s.store.list().map((t) => ({ label: t.address, description: t.labId !== undefined ? labHostDescription(t.address, t.labId) : '' }));
    if (known.length === 0) return askAddress();
    const add = { label: vscode.l10n.t('$(add) Another address…'), description: '' };
    const choice = await vscode.window.showQuickPick([...known, add], { title: vscode.l10n.t('Scan which target?') });
    if (!choice) return undefined;
    return choice === add ? askAddress() : choice.label;
  };

  const scan = async (arg?: unknown): Promise<unknown> => {
    const given = scanRequestArg(arg);
    if (given) return s.runner.run(given);
    const node = arg as TreeNode | undefined;
    const target = node === undefined ? await pickTarget() : node.kind === 'port' ? node.result.target : node.target;
    if (!target) return undefined;
    s.store.addTarget(target);
    const request = await askScan(target, node?.kind === 'technique' || node?.kind === 'portGroup' ? [node.technique] : undefined);
    return request ? s.runner.run(request) : undefined;
  };

  const rescan = async (node?: TreeNode): Promise<unknown> => {
    if (!node) return scan();
    const target = node.kind === 'port' ? node.result.target : node.target;
    const entry = s.store.get(target);
    const techniques = node.kind === 'target' ? [...(entry?.techniques.keys() ?? [])] : [node.kind === 'port' ? node.result.technique : node.technique];
    const ports =
      node.kind === 'port'
        ? String(node.result.port)
        : node.kind === 'portGroup'
          ? portRanges(s.store.resultsOf(target, node.technique, node.state).map((r) => r.port))
          : (entry?.lastPorts ?? readSettings().defaultPorts);
    // The idle scan's zombie is asked for again: the dialog offers the lab's.
    if (techniques.length === 0 || techniques.includes('idle')) return scan(node);
    return s.runner.run({ target, techniques, ports });
  };

  const showExchange = (node?: TreeNode) => {
    const key = node?.kind === 'port' ? { technique: node.result.technique, target: node.result.target, port: node.result.port } : undefined;
    ResultsPanel.show(s.context, s.store, s.checks, key);
  };

  const openCapture = async (node?: TreeNode) => {
    const target = node?.kind === 'port' ? node.result.target : node?.target;
    const technique = node?.kind === 'port' ? node.result.technique : node?.kind === 'technique' || node?.kind === 'portGroup' ? node.technique : undefined;
    let capture = target && technique ? s.store.captureOf(target, technique) : undefined;
    if (!capture) {
      const all = s.store
        .list()
        .flatMap((t) =>
          TECHNIQUES.flatMap((tech) =>
            t.techniques.get(tech)?.capture ? [{ label: t.techniques.get(tech)!.capture!, description: `${t.address} ${tech}` }] : [],
          ),
        );
      if (all.length === 0) return void vscode.window.showInformationMessage(vscode.l10n.t('No capture yet: scan a target first.'));
      capture = (await vscode.window.showQuickPick(all, { title: vscode.l10n.t('Open which capture?') }))?.label;
    }
    if (!capture) return;
    if (!existsSync(capture)) return void vscode.window.showErrorMessage(vscode.l10n.t('The capture {0} no longer exists.', capture));
    // tshark prints the capture as text in a terminal; without it, the desktop's pcap viewer (Wireshark) opens it.
    // tshark runs in the user's shell, not as the terminal's process: a terminal closes with its process,
    // which would take the output away the moment tshark ends; in the shell it stays, ready to re-run with a filter.
    if (spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0) {
      const terminal = vscode.window.createTerminal({ name: vscode.l10n.t('PortLab capture') });
      terminal.show();
      terminal.sendText(`tshark -n -r '${capture.replaceAll("'", "'\\''")}'`);
    } else await vscode.env.openExternal(vscode.Uri.file(capture));
  };

  const discover = async () => {
    const lab = s.store.list().find((t) => t.labId !== undefined);
    // From the host namespace only the target is reachable (over the host link); from the scanner's, the whole lab.
    const labRoute = lab ? routeOfScan(lab.address, true).route : undefined;
    const targets = await vscode.window.showInputBox({
      title: vscode.l10n.t('Discover hosts'),
      prompt: vscode.l10n.t('A network (CIDR), a range or an address'),
      value: lab && labRoute?.kind === 'helper' && !labRoute.netns ? lab.address : labTopology(lab?.labId ?? 0).subnet,
      ignoreFocusOut: true,
    });
    if (!targets) return;
    try {
      const settings = readSettings();
      // A lab's network (the lab of the first address named) is swept from where a scan of its target would run.
      const first = targets.split(/[/-]/, 1)[0]!;
      const swept = labOfAddress(first);
      // an IPv6 sweep goes where a scan of the target's IPv6 address would: the host link carries IPv4 only
      const route = swept ? routeOfScan(first.includes(':') ? swept.target.address6 : swept.target.address, true).route : undefined;
      const netns = route?.kind === 'helper' ? route.netns : undefined;
      const client = await s.pool.get({ raw: true, ...(netns ? { netns } : {}) });
      const hosts = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Discovering hosts in {0}…', targets) },
        () => client.discover({ targets, ...(settings.allowedTargets.length ? { allowTargets: settings.allowedTargets } : {}) }),
      );
      if (hosts.length === 0) return void vscode.window.showInformationMessage(vscode.l10n.t('No host answered in {0}.', targets));
      const picked = await vscode.window.showQuickPick(
        hosts.map((h) => ({ label: h.address, description: `${h.method} ${h.rttMs.toFixed(2)} ms ${h.mac ?? ''}`, picked: true })),
        { canPickMany: true, title: vscode.l10n.t('{0} hosts answered: add which as targets?', hosts.length) },
      );
      for (const p of picked ?? []) s.store.addTarget(p.label);
    } catch (err) {
      await showHelperError(err);
    }
  };

  const reg = vscode.commands.registerCommand;
  return [
    reg('portlab.addTarget', async (address?: unknown) => {
      const given = typeof address === 'string' ? canonicalAddress(address) : undefined;
      const target = given ?? (await askAddress());
      if (target) s.store.addTarget(target);
      return target;
    }),
    reg('portlab.discoverHosts', discover),
    reg('portlab.scanTarget', scan),
    reg('portlab.rescan', rescan),
    reg('portlab.stopScan', () => {
      if (s.runner.stopAll() === 0) void vscode.window.showInformationMessage(vscode.l10n.t('No scan is running.'));
    }),
    reg('portlab.startLab', (id?: unknown) => s.lab.start(typeof id === 'number' ? id : undefined)),
    reg('portlab.stopLab', (id?: unknown) => s.lab.stop(typeof id === 'number' ? id : undefined)),
    reg('portlab.showResults', () => ResultsPanel.show(s.context, s.store, s.checks)),
    reg('portlab.showExchange', showExchange),
    reg('portlab.openCapture', openCapture),
    reg('portlab.removeTarget', (node?: TreeNode) => {
      if (node?.kind === 'target') s.store.removeTarget(node.target);
    }),
    reg('portlab.generateReport', () => generateReport(s).catch(showHelperError)),
    reg('portlab.checkScanner', (resource?: unknown) => s.scannerCheck.run(resource)),
    reg('portlab.showHelper', () => s.statusBar.showDetails()),
  ];
}

/** An address to add as a target, in the one spelling scans and captures write it (the tree has one row per address). */
async function askAddress(): Promise<string | undefined> {
  return vscode.window
    .showInputBox({
      title: vscode.l10n.t('Add target'),
      prompt: vscode.l10n.t('IPv4 or IPv6 address of the host to scan (the lab target is 198.18.N.2 or 2001:2:0:N::2)'),
      placeHolder: '198.18.0.2',
      ignoreFocusOut: true,
      validateInput: (v) => (canonicalAddress(v.trim()) ? undefined : vscode.l10n.t('Not an IPv4 or IPv6 address: {0}', v)),
    })
    .then((v) => (v === undefined ? undefined : canonicalAddress(v.trim())));
}
