import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { LabDescription } from '../protocol/lab';
import { PortResult, ScannerInfo, TECHNIQUES, type PortState, type ScanSummary, type Technique } from '../protocol/scan';
import { capturePath } from '../output/out-folder';

export interface TechniqueEntry {
  technique: Technique;
  results: Map<number, PortResult>;
  /** the pcap of the last scan with this technique */
  capture?: string;
  /** when the last scan with this technique started (ISO 8601): the report's scan date */
  startedAt?: string;
  /** ports decided and ports in all while a scan runs */
  running?: { done: number; total: number };
  partial?: boolean;
}

export interface TargetEntry {
  address: string;
  /** the lab whose target this address is */
  labId?: number;
  /** the port list of the last scan, for Rescan */
  lastPorts?: string;
  /** the host and interface the last scan ran from, as the helper saw them (for the report) */
  scanner?: ScannerInfo;
  /** the lab as it described itself when it was scanned: the report's truth, listeners and rules, even once it is down */
  lab?: LabDescription;
  techniques: Map<Technique, TechniqueEntry>;
}

interface SavedTarget {
  address: string;
  labId?: number;
  lastPorts?: string;
  scanner?: unknown;
  lab?: unknown;
  techniques: { technique: Technique; capture?: string; startedAt?: string; results: PortResult[] }[];
}

const STORAGE_KEY = 'portlab.targets';

/**
 * Targets and the results of their scans, the one model behind the tree, the results webview and
 * the report. Kept in the workspace state so that a reload keeps what was scanned.
 */
export class ResultsStore implements vscode.Disposable {
  private readonly targets = new Map<string, TargetEntry>();
  private readonly changed = new vscode.EventEmitter<TargetEntry | undefined>();
  readonly onDidChange = this.changed.event;
  private readonly added = new vscode.EventEmitter<PortResult>();
  /** one result arrived (onDidChange fires too), for views that add results one by one */
  readonly onDidAddResult = this.added.event;
  private removals = 0;

  constructor(private readonly memento: vscode.Memento) {
    for (const saved of memento.get<SavedTarget[]>(STORAGE_KEY, [])) {
      const entry = this.addTarget(saved.address, saved.labId, false);
      if (saved.lastPorts) entry.lastPorts = saved.lastPorts;
      const scanner = ScannerInfo.safeParse(saved.scanner);
      if (scanner.success) entry.scanner = scanner.data;
      const lab = LabDescription.safeParse(saved.lab);
      if (lab.success) entry.lab = lab.data;
      for (const t of saved.techniques) {
        const results = t.results.filter((r) => PortResult.safeParse(r).success);
        const te: TechniqueEntry = { technique: t.technique, results: new Map(results.map((r) => [r.port, r])) };
        if (t.capture) te.capture = t.capture;
        if (t.startedAt) te.startedAt = t.startedAt;
        entry.techniques.set(t.technique, te);
      }
    }
  }

  /**
   * Grows whenever results leave the store (a target removed, a scan replacing its techniques' old
   * results): a view that only adds what onDidAddResult brings must then start over from allResults().
   */
  get removalCount(): number {
    return this.removals;
  }

  list(): TargetEntry[] {
    return [...this.targets.values()];
  }

  get(address: string): TargetEntry | undefined {
    return this.targets.get(address);
  }

  addTarget(address: string, labId?: number, save = true): TargetEntry {
    let entry = this.targets.get(address);
    if (!entry) {
      entry = { address, techniques: new Map() };
      this.targets.set(address, entry);
    }
    if (labId !== undefined) entry.labId = labId;
    if (save) this.save(undefined);
    return entry;
  }

  removeTarget(address: string): void {
    if (!this.targets.delete(address)) return;
    this.removals++;
    this.save(undefined);
  }

  /** A scan starts: its techniques' old results go, so the tree shows only what this scan finds. */
  beginScan(address: string, techniques: readonly Technique[], ports: string, total: number): void {
    const entry = this.addTarget(address, undefined, false);
    entry.lastPorts = ports;
    // The helper's own start times replace this one at the end; a scan that never ends keeps it.
    const startedAt = new Date().toISOString();
    for (const technique of techniques) {
      if (entry.techniques.get(technique)?.results.size) this.removals++;
      entry.techniques.set(technique, { technique, results: new Map(), startedAt, running: { done: 0, total } });
    }
    this.sortTechniques(entry);
    this.changed.fire(entry);
  }

  progress(address: string, technique: Technique, done: number, total: number): void {
    const te = this.targets.get(address)?.techniques.get(technique);
    if (!te) return;
    te.running = { done, total };
    this.changed.fire(this.targets.get(address));
  }

  /** A batch of a scan's results: each is added (onDidAddResult fires for each), then onDidChange once per target. */
  addResults(results: readonly PortResult[]): void {
    const touched = new Set<TargetEntry>();
    for (const result of results) {
      const entry = this.addTarget(result.target, undefined, false);
      let te = entry.techniques.get(result.technique);
      if (!te) {
        te = { technique: result.technique, results: new Map() };
        entry.techniques.set(result.technique, te);
        this.sortTechniques(entry);
      }
      te.results.set(result.port, result);
      this.added.fire(result);
      touched.add(entry);
    }
    for (const entry of touched) this.changed.fire(entry);
  }

  /**
   * A scan ended. `captureDir`: where the scan wrote its captures, for those its summary does not name
   * (a helper that died mid-scan leaves them there).
   */
  finishScan(summary: ScanSummary, addresses: readonly string[], captureDir?: string): void {
    for (const address of addresses) {
      const entry = this.targets.get(address);
      if (!entry) continue;
      if (summary.scanner) entry.scanner = summary.scanner;
      for (const te of entry.techniques.values()) {
        if (!te.running) continue;
        delete te.running;
        const s = summary.techniques.find((x) => x.technique === te.technique && x.target === address);
        const leftBehind = captureDir ? capturePath(captureDir, te.technique) : undefined;
        const capture = s?.capture ?? (leftBehind && existsSync(leftBehind) ? leftBehind : undefined);
        if (capture) te.capture = capture;
        if (s?.startedAt) te.startedAt = s.startedAt;
        te.partial = summary.partial;
      }
    }
    this.save(undefined);
  }

  /** The lab as it described itself when its target `address` was scanned: what the report quotes. */
  recordLab(address: string, lab: LabDescription): void {
    const entry = this.targets.get(address);
    if (!entry) return;
    entry.lab = lab;
    this.save(entry);
  }

  /** Every result, in target, technique, port order. */
  allResults(): PortResult[] {
    return this.list().flatMap((t) => [...t.techniques.keys()].flatMap((technique) => this.resultsOf(t.address, technique)));
  }

  /** A technique's results against a target in port order; only those in `state` when it is given. */
  resultsOf(target: string, technique: Technique, state?: PortState): PortResult[] {
    const results = [...(this.targets.get(target)?.techniques.get(technique)?.results.values() ?? [])];
    return (state ? results.filter((r) => r.state === state) : results).sort((a, b) => a.port - b.port);
  }

  captureOf(target: string, technique: Technique): string | undefined {
    return this.targets.get(target)?.techniques.get(technique)?.capture;
  }

  private sortTechniques(entry: TargetEntry): void {
    const sorted = [...entry.techniques.entries()].sort((a, b) => TECHNIQUES.indexOf(a[0]) - TECHNIQUES.indexOf(b[0]));
    entry.techniques = new Map(sorted);
  }

  private save(entry: TargetEntry | undefined): void {
    const saved: SavedTarget[] = this.list().map((t) => ({
      address: t.address,
      ...(t.labId !== undefined ? { labId: t.labId } : {}),
      ...(t.lastPorts ? { lastPorts: t.lastPorts } : {}),
      ...(t.scanner ? { scanner: t.scanner } : {}),
      ...(t.lab ? { lab: t.lab } : {}),
      techniques: [...t.techniques.values()].map((te) => ({
        technique: te.technique,
        ...(te.capture ? { capture: te.capture } : {}),
        ...(te.startedAt ? { startedAt: te.startedAt } : {}),
        results: [...te.results.values()],
      })),
    }));
    void this.memento.update(STORAGE_KEY, saved);
    this.changed.fire(entry);
  }

  dispose(): void {
    this.changed.dispose();
    this.added.dispose();
  }
}
