import { rmSync } from 'node:fs';
import { captureClockMicros, captureTargetTraffic } from '../link';
import { protocolOf, type Technique } from '../protocol';
import { decodeFrame, LINKTYPE_ETHERNET } from '../wire';
import { PcapWriter } from '../wire/pcap';
import { checkCapturePath, makeCheckDir, writeCheckOutput } from '../output/out-folder';
import { targetPortOf } from './frame-port';
import { runProgram, type ProgramRun } from './program-run';

/**
 * TCP runs at once: their packets are told apart by the target port. UDP runs go one at a time: the
 * target's ICMP rate limit is shared, and ten parallel runs of a correct program got two wrong answers.
 */
const PARALLEL_RUNS = { tcp: 4, udp: 1 } as const;
/** After a technique's last run: answers still on their way (a kernel's reset, a teardown) are its runs' too. */
const LINGER_MS = 500;

export interface CheckPlan {
  /** the program (resolved) and its arguments, with {target} and {port} placeholders */
  command: readonly string[];
  target: string;
  /** the ports of each technique, in the order they are run */
  runs: readonly { technique: Technique; ports: readonly number[] }[];
  timeoutMs: number;
  /** setpriv's confinement, from confinementPrefix */
  prefix: readonly string[];
  /** the --out folder: each run's capture and output go to its check/ */
  outDir?: string;
}

/** A packet of one run, with the capture's timestamp. */
export interface RunFrame {
  data: Uint8Array;
  capturedAt: number;
}

/** One run of the program, and every packet of its port while its technique ran. */
export interface RunRecord {
  technique: Technique;
  port: number;
  run: ProgramRun;
  frames: RunFrame[];
  /** the run's capture could not be written (disk full): why */
  captureError?: string;
  /** the run's output could not be written: why */
  outputError?: string;
}

export interface CheckEvents {
  runDone?(record: RunRecord): void;
}

interface ActiveRun {
  frames: RunFrame[];
  pcap?: PcapWriter;
  /** where its capture is written */
  path?: string;
  captureError?: string;
}

/**
 * Runs the program once per technique and port, under one capture of everything exchanged with the
 * target; each packet goes to the run of the port it is about. Techniques run one after another, so
 * that a port's packets are never shared by two runs. An aborted check stops its running programs and
 * starts no more: the runs that ended are returned.
 */
export async function runChecks(plan: CheckPlan, events: CheckEvents = {}, signal?: AbortSignal): Promise<RunRecord[]> {
  let active = new Map<number, ActiveRun>();
  let protocol = protocolOf(plan.runs[0]?.technique ?? 'connect');
  const { capture } = await captureTargetTraffic(plan.target, (data, capturedAt) => {
    const frame = decodeFrame(data);
    if (!frame) return;
    const port = targetPortOf(frame, plan.target, protocol, (p) => active.has(p));
    const run = port === undefined ? undefined : active.get(port);
    if (!run) return;
    run.frames.push({ data, capturedAt });
    run.pcap?.write(data, capturedAt);
  });
  if (plan.outDir) makeCheckDir(plan.outDir);
  const records: RunRecord[] = [];
  try {
    for (const { technique, ports } of plan.runs) {
      if (signal?.aborted) break;
      protocol = protocolOf(technique);
      active = new Map();
      const done: { record: RunRecord; current: ActiveRun }[] = [];
      let next = 0;
      const worker = async () => {
        while (next < ports.length && !signal?.aborted) {
          const port = ports[next++]!;
          const current = openRun(plan.outDir, technique, port);
          active.set(port, current);
          const run = await runProgram({
            command: plan.command,
            target: plan.target,
            port,
            timeoutMs: plan.timeoutMs,
            prefix: plan.prefix,
            now: captureClockMicros,
            signal,
          });
          // A run cut short by the interruption is no case: its end says nothing of the program.
          if (run.interrupted) {
            discardRun(current);
            active.delete(port);
            continue;
          }
          const record: RunRecord = { technique, port, run, frames: current.frames };
          if (plan.outDir) {
            try {
              await writeCheckOutput(plan.outDir, technique, port, outputText(run));
            } catch (err) {
              record.outputError = `cannot write the output of ${technique} port ${port}: ${(err as Error).message}`;
            }
          }
          done.push({ record, current });
          events.runDone?.(record);
        }
      };
      try {
        await Promise.all(Array.from({ length: Math.min(PARALLEL_RUNS[protocol], ports.length) }, worker));
        await new Promise((resolve) => setTimeout(resolve, LINGER_MS));
      } finally {
        for (const current of active.values()) current.pcap?.close();
      }
      done.sort((a, b) => ports.indexOf(a.record.port) - ports.indexOf(b.record.port));
      for (const { record, current } of done) {
        if (current.captureError) record.captureError = current.captureError;
        records.push(record);
      }
    }
  } finally {
    capture.close();
  }
  return records;
}

function openRun(outDir: string | undefined, technique: Technique, port: number): ActiveRun {
  const run: ActiveRun = { frames: [] };
  if (!outDir) return run;
  const path = checkCapturePath(outDir, technique, port);
  run.path = path;
  try {
    run.pcap = PcapWriter.open(path, LINKTYPE_ETHERNET, { onError: (err) => (run.captureError = `the capture ${path} stopped: ${err.message}`) });
  } catch (err) {
    run.captureError = `cannot create ${path}: ${(err as Error).message}`;
  }
  return run;
}

function discardRun(run: ActiveRun): void {
  run.pcap?.close();
  if (run.path) rmSync(run.path, { force: true });
}

/** What the run printed, as its .out.txt keeps it: stdout, then stderr under a line of its own. */
function outputText(run: ProgramRun): string {
  return run.stderr ? `${run.stdout}${run.stdout.endsWith('\n') || !run.stdout ? '' : '\n'}--- stderr ---\n${run.stderr}` : run.stdout;
}
