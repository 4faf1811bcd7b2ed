import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { SingleBar } from 'cli-progress';
import { UserError } from '../base/errors';
import { parsePorts } from '../engine/ports';
import { scannerInfo, TOOL } from '../engine/scanner-info';
import { checkOneIpVersion, ipVersionOf, ScopeGuard } from '../engine/scope';
import { hasCapNetRaw } from '../link';
import { formatExchange, type BarePortResult, type PortResult, type PortState, type ScanHead, type Technique } from '../protocol';
import { NMAP_FLAG } from '../technique';
import type { ScanPlan } from '../engine/scan-plan';
import { byNmapOrder, notShownLine, streamedNmapHost, writeScanOutputs, type NmapOutputOptions } from '../output';
import { writeScanJson } from '../output/scan-json';
import { ChunkedLines, type TextSink } from '../output/text-sink';
import { saveToOutDir } from './out-dir';
import { runScanHereOrViaHelper } from './via-helper';
import { LETTER_LIST, parseTechniqueLetters } from './technique-letters';
import { readsResetWindow } from '../analysis/textbook';
import { resolveZombie } from '../engine/idle/zombie-spec';

/*
 * What `portlab scan` does once its arguments are read. Apart from src/cli/commands/scan.ts (its options), so
 * that `portlab --version` and `portlab scan --help` never evaluate the engine, the helper client or the outputs.
 */

export interface ScanOptions extends NmapOutputOptions {
  ports: string;
  scan: string[];
  json?: boolean;
  out?: string;
  iface?: string;
  rate?: number;
  maxRetries?: number;
  sourceIps?: string[];
  allowTarget: string[];
  ipv6?: boolean;
  zombie?: string;
}

/**
 * This technique's results against this target, with nmap's "Not shown" line for the states it folds; written row
 * by row. `bare` counts and folds without exchanges; `rows` builds the listed rows' exchanges only.
 */
function writeTable(
  sink: TextSink,
  bare: (except?: ReadonlySet<PortState>) => Iterable<BarePortResult>,
  rows: (except: ReadonlySet<PortState>) => Iterable<PortResult>,
  technique: Technique,
  target: string,
): void {
  const host = streamedNmapHost(target, bare);
  const out = new ChunkedLines(sink);
  out.line(`${technique} scan of ${target} (-s${NMAP_FLAG[technique]}), ${host.listedCount + host.extra.reduce((sum, e) => sum + e.count, 0)} ports`);
  const folded = notShownLine(host);
  if (folded) out.line(folded);
  // "closed|filtered" (the idle scan's) is as long as the column: one space more then.
  let stateWidth = 15;
  for (const state of host.listedStates) stateWidth = Math.max(stateWidth, state.length + 1);
  if (host.listedCount > 0) out.line(`${'PORT'.padEnd(10)}${'STATE'.padEnd(stateWidth)}${'SERVICE'.padEnd(14)}${'REASON'.padEnd(24)}EXCHANGE`);
  // The listed rows alone, sorted as the folding walk found nmap's order missing (a port list given out of order).
  const listed = host.inOrder ? rows(host.folded) : [...rows(host.folded)].sort(byNmapOrder);
  for (const r of listed) {
    const reason = r.reasonTtl === undefined ? r.reason : `${r.reason} ttl ${r.reasonTtl}`;
    out.line(
      `${`${r.port}/${r.protocol}`.padEnd(10)}${r.state.padEnd(stateWidth)}${(r.service ?? 'unknown').padEnd(14)}${reason.padEnd(24)}${formatExchange(r.exchange, readsResetWindow(technique))}`,
    );
  }
  out.flush();
}

export async function scanAction(targets: string[], opts: ScanOptions): Promise<void> {
  const ports = parsePorts(opts.ports);
  const techniques =
    opts.scan.length > 0
      ? parseTechniqueLetters(opts.scan, `-s needs technique letters: ${LETTER_LIST}, e.g. -sS`)
      : ([hasCapNetRaw() ? 'syn' : 'connect'] satisfies Technique[]);
  const guard = new ScopeGuard(opts.allowTarget);
  const resolved = await guard.resolve(targets, opts.ipv6 ? 6 : undefined);
  checkOneIpVersion(resolved);
  if (techniques.includes('idle') !== (opts.zombie !== undefined))
    throw new UserError(
      opts.zombie === undefined ? 'the idle scan needs its zombie: -sI ZOMBIE[:PROBEPORT]' : 'a zombie is for the idle scan only (-sI ZOMBIE)',
    );
  const zombie = opts.zombie === undefined ? undefined : await resolveZombie(guard, opts.zombie, ipVersionOf(resolved[0]!));
  const outDir = opts.out ? resolve(opts.out) : undefined;
  if (outDir) {
    try {
      mkdirSync(outDir, { recursive: true });
    } catch (err) {
      throw new UserError(`cannot create --out directory ${outDir}: ${(err as Error).message}`);
    }
  }
  const plan: ScanPlan = { scanId: randomUUID(), targets: resolved, ports, techniques };
  if (opts.rate !== undefined) plan.rate = opts.rate;
  if (opts.maxRetries !== undefined) plan.maxRetries = opts.maxRetries;
  if (opts.iface !== undefined) plan.iface = opts.iface;
  if (opts.sourceIps !== undefined) plan.sourceIps = opts.sourceIps;
  if (outDir) plan.captureDir = outDir;
  if (zombie) plan.zombie = zombie;

  const controller = new AbortController();
  const abort = () => controller.abort();
  process.on('SIGINT', abort);
  process.on('SIGTERM', abort);
  const showBar = process.stderr.isTTY && !opts.json;
  const bar = showBar
    ? new SingleBar({ stream: process.stderr, format: '{technique} {target} [{bar}] {value}/{total} ports | {sent} sent', hideCursor: true })
    : undefined;
  let barTechnique = '';
  const startedAt = new Date().toISOString();
  try {
    // Without CAP_NET_RAW, raw techniques run in the privileged helper (pkexec or sudo -n).
    const outcome = await runScanHereOrViaHelper(
      plan,
      { ports: opts.ports, allowTargets: opts.allowTarget },
      {
        progress(p) {
          if (!bar) return;
          const key = `${p.technique} ${p.target}`;
          if (key !== barTechnique) {
            if (barTechnique) bar.stop();
            barTechnique = key;
            bar.start(p.total, p.done, { technique: p.technique, target: p.target, sent: p.sent });
          } else bar.update(p.done, { sent: p.sent });
        },
      },
      controller.signal,
    );
    bar?.stop();
    const head: ScanHead = {
      tool: TOOL,
      startedAt,
      command: ['portlab', ...process.argv.slice(2)],
      scanner: scannerInfo(resolved[0], opts.iface),
      summary: { ...outcome.summary, ...(controller.signal.aborted ? { error: 'interrupted' } : {}) },
    };
    // A file that cannot be written (disk full, directory removed) must not cost the user the results.
    const problems: string[] = [];
    try {
      if (outDir)
        await saveToOutDir(
          outDir,
          head,
          () => outcome.results(),
          () => outcome.bareResults(),
          resolved,
        );
      if (opts.outputXml || opts.outputNormal)
        writeScanOutputs(head, (filter) => outcome.bareResults(filter), { xml: opts.outputXml, normal: opts.outputNormal });
    } catch (err) {
      const captures = outcome.summary.techniques.flatMap((s) => (s.capture && existsSync(s.capture) ? [s.capture] : []));
      problems.push(
        `cannot save the results (${(err as Error).message}); they are on stdout${captures.length ? `, the captures in ${[...new Set(captures)].join(', ')}` : ''}`,
      );
    }
    // A technique whose capture could not be created ran without one (engine/scan.ts): the user asked for it.
    if (outDir)
      for (const s of new Set(outcome.summary.techniques.flatMap((t) => (t.capture ? [] : [`${t.technique} scan ${t.note ?? 'ran without a capture'}`]))))
        problems.push(s);
    if (opts.json) {
      // Waits for a pipe to drain: a full-range document (20 MB) would otherwise queue in memory whole.
      await writeScanJson(
        (chunk) => (process.stdout.write(chunk) ? undefined : once(process.stdout, 'drain').then(() => undefined)),
        head,
        outcome.resultsJson(false),
        false,
      );
      process.stdout.write('\n');
    } else {
      for (const s of outcome.summary.techniques) {
        writeTable(
          (chunk) => process.stdout.write(chunk),
          (except) => outcome.bareResults({ technique: s.technique, target: s.target, ...(except ? { except } : {}) }),
          (except) => outcome.results({ technique: s.technique, target: s.target, except }),
          s.technique,
          s.target,
        );
        // nmap's warning, in its words: the zombie's own traffic passes for open ports
        if (s.zombie?.phantoms)
          process.stdout.write(
            `WARNING: idle scan has erroneously detected phantom ports ${s.zombie.phantoms} time${s.zombie.phantoms === 1 ? '' : 's'} -- is the zombie ${s.zombie.address} really idle? Ports reported open may not be.\n`,
          );
        const capture = s.capture ? `, capture ${s.capture}` : '';
        process.stdout.write(
          `${s.packetsSent} probes sent, ${s.packetsReceived} answers, ${(s.durationMs / 1000).toFixed(2)} s${capture}${s.note ? `; ${s.note}` : ''}\n\n`,
        );
      }
      if (outcome.summary.partial)
        process.stdout.write(
          `Scan ${outcome.summary.error !== undefined && !controller.signal.aborted ? 'stopped early' : 'interrupted'}: results are partial.\n`,
        );
    }
    if (outcome.summary.partial) process.exitCode = 130;
    if (outcome.summary.error !== undefined && !controller.signal.aborted)
      // The scan stopped itself (the link went down): the user gets what was decided, and why it ended.
      problems.unshift(`${outcome.summary.error}; the results are partial${outDir && problems.length === 0 ? `, saved in ${outDir}` : ''}`);
    if (problems.length > 0) {
      process.exitCode = 2;
      process.stderr.write(`portlab: ${problems.join('; ')}\n`);
    }
  } finally {
    bar?.stop();
    process.off('SIGINT', abort);
    process.off('SIGTERM', abort);
  }
}
