import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { UserError } from '../../base/errors';
import { TOOL } from '../../base/version';
import { checkCases } from '../../check/check-cases';
import { mergeCheckDocuments } from '../../check/check-merge';
import { runChecks, type CheckPlan } from '../../check/check-runs';
import { formatCheckTable } from '../../check/check-table';
import { resolveCheckTarget, type CheckTarget } from '../../check/check-target';
import { confinementPrefix } from '../../check/confinement';
import { expectationKey, labExpectations, portlabExpectations, type Expectations } from '../../check/expected';
import { resolveProgram } from '../../check/program-run';
import { inNamespace, rerunInNamespace } from '../../check/scanner-namespace';
import { parsePorts, portsFor, type PortSpec } from '../../engine/ports';
import { parseLabId } from '../../lab';
import { hasCapNetRaw, missingCapNetRaw } from '../../link';
import { readCheckFile, writeCheckFile, writeLabFile } from '../../output/out-folder';
import { PortState, Reason, TECHNIQUES, type CheckDocument, type Technique } from '../../protocol';
import { parseNmapXml } from '../../report';
import { messagesFor } from '../../report/i18n';
import { NMAP_FLAG } from '../../technique';
import { nmapCommand, nmapInstalled, runNmap } from '../nmap-run';
import { LETTER_LIST, parseTechniqueLetters } from '../technique-letters';

/** A program's verdict is checked against answers it receives: not the idle scan's, which go to the zombie. */
const CHECKABLE_LETTERS = TECHNIQUES.filter((t) => t !== 'idle')
  .map((t) => `-s${NMAP_FLAG[t]}`)
  .join(', ');

const DEFAULT_TIMEOUT_S = 30;
const MAX_TIMEOUT_S = 3600;
/** Each run takes seconds (a silent port up to the timeout): more than this is a scan, not a check. */
const MAX_RUNS = 256;
const NMAP_TIMEOUT_MS = 120_000;

interface CheckOptions {
  ports: string;
  scan: string[];
  lab?: number;
  timeout: number;
  json?: boolean;
  out?: string;
  allowTarget: string[];
}

function parseTimeout(text: string): number {
  const seconds = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(seconds > 0) || seconds > MAX_TIMEOUT_S)
    throw new UserError(`bad --timeout "${text}": expected seconds, more than 0 and at most ${MAX_TIMEOUT_S}`);
  return seconds;
}

function planRuns(spec: PortSpec, techniques: readonly Technique[]): CheckPlan['runs'] {
  const runs = techniques.map((technique) => ({ technique, ports: portsFor(spec, technique) }));
  const empty = runs.find((r) => r.ports.length === 0);
  if (empty) throw new UserError(`-s${NMAP_FLAG[empty.technique]} has no ${empty.technique === 'udp' ? 'UDP' : 'TCP'} port in -p`);
  const total = runs.reduce((n, r) => n + r.ports.length, 0);
  if (total > MAX_RUNS) throw new UserError(`${total} runs of the program: check at most ${MAX_RUNS} ports × techniques at a time`);
  return runs;
}

/** The program's command line: everything after the first `--` of the command line. */
function programAfterDashes(argv: readonly string[]): string[] {
  const dashes = argv.indexOf('--');
  if (dashes < 0 || dashes === argv.length - 1) throw new UserError('no program to check: give it after --, e.g. -- python3 syn_scan.py {target} {port}');
  return argv.slice(dashes + 1);
}

/** nmap's answer for each port beside PortLab's, where nmap is installed; a run that fails is named on stderr. */
async function addNmapAnswers(expectations: Expectations, target: string, runs: CheckPlan['runs']): Promise<void> {
  if (!nmapInstalled()) return;
  for (const { technique, ports } of runs) {
    const { file, args } = nmapCommand(technique, [target], [...ports], undefined);
    let xml: string;
    try {
      xml = await runNmap(file, args, NMAP_TIMEOUT_MS);
    } catch (err) {
      process.stderr.write(`portlab: nmap -s${NMAP_FLAG[technique]} did not run: ${(err as Error).message}\n`);
      continue;
    }
    const run = parseNmapXml(xml);
    for (const port of ports) {
      const answer = run?.ports.get(`${target}:${port}`);
      const state = PortState.safeParse(answer?.state);
      const reason = Reason.safeParse(answer?.reason);
      const expectation = expectations.get(expectationKey(technique, port));
      if (expectation && state.success && reason.success) expectation.nmap = { state: state.data, reason: reason.data, source: 'nmap' };
    }
  }
}

async function expectationsFor(target: CheckTarget, spec: PortSpec, runs: CheckPlan['runs']): Promise<Expectations> {
  if (target.lab) return labExpectations(target.lab.description, runs);
  const expectations = await portlabExpectations(
    target.address,
    spec,
    runs.map((r) => r.technique),
  );
  await addNmapAnswers(expectations, target.address, runs);
  return expectations;
}

/**
 * `operands` are every word that is not an option, the program's after `--` included: commander would
 * take a program's first word for the target when no target is given, so the target is what comes before.
 */
async function checkAction(operands: readonly string[], opts: CheckOptions): Promise<void> {
  const program = programAfterDashes(process.argv);
  const before = operands.slice(0, operands.length - program.length);
  if (before.length > 1) throw new UserError(`one target at a time, not ${before.join(' ')}: the program goes after --`);
  const named = before[0];
  const techniques = parseTechniqueLetters(opts.scan, `name the technique the program uses: -s and its letter, ${LETTER_LIST}`);
  // A program's verdict per port is checked against the target's answers, which an idle scan never receives.
  if (techniques.includes('idle')) throw new UserError('the idle scan (-sI) cannot be checked: its answers go to the zombie, not to the program');
  const spec = parsePorts(opts.ports);
  const runs = planRuns(spec, techniques);
  const command = resolveProgram(program);
  const target = await resolveCheckTarget(named, opts.lab, opts.allowTarget);
  if (target.lab && !inNamespace(target.lab.topology.scanner.namespace)) {
    process.exitCode = await rerunInNamespace(target.lab.topology.scanner.namespace);
    return;
  }
  if (!hasCapNetRaw()) throw missingCapNetRaw("capturing the program's packets");
  const prefix = confinementPrefix();
  const outDir = opts.out === undefined ? undefined : resolve(opts.out);
  if (outDir) {
    try {
      mkdirSync(outDir, { recursive: true });
    } catch (err) {
      throw new UserError(`cannot create --out directory ${outDir}: ${(err as Error).message}`);
    }
  }
  const startedAt = new Date().toISOString();
  const timeoutMs = Math.round(opts.timeout * 1000);
  const expectations = await expectationsFor(target, spec, runs);

  const controller = new AbortController();
  const abort = () => controller.abort();
  process.on('SIGINT', abort);
  process.on('SIGTERM', abort);
  const progress = process.stderr.isTTY && !opts.json;
  let records;
  try {
    records = await runChecks(
      { command, target: target.address, runs, timeoutMs, prefix, ...(outDir ? { outDir } : {}) },
      {
        runDone: progress
          ? (r) => process.stderr.write(`${r.technique} ${r.port}: done in ${((r.run.endedAt - r.run.startedAt) / 1e6).toFixed(1)} s\n`)
          : undefined,
      },
      controller.signal,
    );
  } finally {
    process.off('SIGINT', abort);
    process.off('SIGTERM', abort);
  }

  const doc: CheckDocument = {
    tool: TOOL,
    startedAt,
    command: ['portlab', ...process.argv.slice(2)],
    program,
    timeoutMs,
    ...(target.lab ? { lab: target.lab.topology.id } : {}),
    cases: checkCases(records, {
      target: target.address,
      command: program,
      expectations,
      wroteFiles: outDir !== undefined,
      wordDeviation: (d, technique) => messagesFor('en').captureAnalysis.deviation(d, technique),
    }),
  };
  if (outDir) {
    await writeCheckFile(outDir, mergeCheckDocuments(readCheckFile(outDir), doc));
    if (target.lab) await writeLabFile(outDir, target.lab.description);
  }
  process.stdout.write(opts.json ? `${JSON.stringify(doc, null, 2)}\n` : formatCheckTable(doc));
  const fileErrors = records.flatMap((r) => [r.captureError, r.outputError].filter((e) => e !== undefined));
  if (fileErrors.length) process.stderr.write(`portlab: ${fileErrors.join('; ')}\n`);
  if (controller.signal.aborted) {
    process.stderr.write('portlab: check interrupted: the results are partial\n');
    process.exitCode = 130;
  } else process.exitCode = doc.cases.every((c) => c.result === 'correct') ? 0 : 1;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function register(program: Command): void {
  program
    .command('check')
    .description(
      "check a student's port scanner: run it once per port (in the lab's scanner namespace), capture its packets and compare its verdict with the truth",
    )
    .argument('[target]', "the address to check (default: the lab that is up); a lab's target, or one in the lab ranges unless --allow-target")
    .argument('[program...]', 'after --: the program and its arguments; {target} and {port} are filled in (also PORTLAB_TARGET, PORTLAB_PORT)')
    .requiredOption('-p, --ports <list>', 'ports to run the program on: 22,23,25 or T:22,U:53')
    .option('-s, --scan <letters>', `the program's technique by nmap letter (${CHECKABLE_LETTERS}), repeatable`, collect, [])
    .addOption(new Option('--lab <N>', "check lab N's target").argParser(parseLabId))
    .addOption(
      new Option('--timeout <s>', 'seconds each run may take before it is killed with its children').default(DEFAULT_TIMEOUT_S).argParser(parseTimeout),
    )
    .option('--json', 'print the cases as one JSON document')
    .option('--out <dir>', "write <dir>/check.json (keeping other techniques checked there before) and each run's capture and output to <dir>/check/")
    .option('--allow-target <cidr>', 'also allow targets in this CIDR (repeatable)', collect, [])
    .action((_target: string | undefined, _program: string[], opts: CheckOptions, command: Command) => checkAction(command.args, opts));
}
