import { renderProfile, type RunProfile, type SyscallProfile } from './profile';
import type { Scenario, Tool } from './scenarios';

export interface ToolRun {
  wallMs: number;
  maxRssKb: number;
  exitCode: number;
  timedOut: boolean;
  packetsSent: number | undefined;
  /** ports whose state differs from the built truth (masscan: open or not) */
  differFromTruth?: number;
  /** ports whose state differs from nmap's in the same run (masscan: open or not) */
  differFromNmap?: number;
  /** ports the lab answers (open or closed) that the tool reported unanswered (filtered, open|filtered; masscan: open not reported) */
  lost?: number;
  profile: RunProfile;
}

export interface RunRecord {
  run: number;
  tools: Partial<Record<Tool, ToolRun>>;
  /** PortLab wall time / nmap wall time, this run */
  ratio?: number;
}

export interface ToolSummary {
  medianWallMs: number;
  peakRssMb: number;
  medianPacketsSent: number | undefined;
  /** worst run */
  maxDifferFromTruth: number | undefined;
  maxDifferFromNmap: number | undefined;
  maxLost: number | undefined;
  timeouts: number;
  /** the run with the median wall time, with the system calls of the extra traced run when there was one */
  profile: RunProfile;
}

export interface ScenarioResult {
  id: string;
  title: string;
  ports: number;
  targets: number;
  medianRatio: number | undefined;
  tools: Partial<Record<Tool, ToolSummary>>;
  runs: RunRecord[];
}

export function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const maxOf = (xs: (number | undefined)[]) => {
  const defined = xs.filter((x): x is number => x !== undefined);
  return defined.length ? Math.max(...defined) : undefined;
};

/** The run whose wall time is the median one (of those that finished, if any did). */
function medianRun(rs: ToolRun[]): ToolRun {
  const done = rs.filter((t) => !t.timedOut);
  const pool = done.length ? done : rs;
  return [...pool].sort((a, b) => a.wallMs - b.wallMs)[(pool.length - 1) >> 1]!;
}

export function summarize(s: Scenario, runs: RunRecord[], syscalls: Partial<Record<Tool, SyscallProfile>>): ScenarioResult {
  const tools: Partial<Record<Tool, ToolSummary>> = {};
  for (const tool of ['portlab', 'nmap', 'masscan'] as Tool[]) {
    const rs = runs.map((r) => r.tools[tool]).filter((t): t is ToolRun => t !== undefined);
    if (rs.length === 0) continue;
    const done = rs.filter((t) => !t.timedOut);
    tools[tool] = {
      medianWallMs: median(done.map((t) => t.wallMs)) ?? NaN,
      peakRssMb: Math.max(...rs.map((t) => t.maxRssKb)) / 1024,
      medianPacketsSent: median(done.map((t) => t.packetsSent).filter((x): x is number => x !== undefined)),
      maxDifferFromTruth: maxOf(rs.map((t) => t.differFromTruth)),
      maxDifferFromNmap: maxOf(rs.map((t) => t.differFromNmap)),
      maxLost: maxOf(rs.map((t) => t.lost)),
      timeouts: rs.length - done.length,
      profile: { ...medianRun(rs).profile, syscalls: syscalls[tool] },
    };
  }
  const ratios = runs.map((r) => r.ratio).filter((x): x is number => x !== undefined);
  return { id: s.id, title: s.title, ports: s.ports.length, targets: s.targets.length, medianRatio: median(ratios), tools, runs };
}

const fmt = (x: number | undefined, digits = 2) => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(digits));

export function renderMarkdown(env: Record<string, string | number>, results: ScenarioResult[]): string {
  const lines = [
    '# PortLab benchmark',
    '',
    `${env.date} · kernel ${env.kernel} · ${env.cpus} CPUs · load ${env.load} · ${env.nmap} · commit ${env.commit} · ${env.runs} run(s) per tool · ${env.profile} · whole bench ${env.minutes} min`,
    '',
    "Each tool writes its result as XML to a file (-oX; PortLab's is read by the same reader as nmap's).",
    'Median wall time per tool (whole process, from start to exit); ratio = median of PortLab/nmap from the same run;',
    'peak RSS = largest ru_maxrss of the scanning process over the runs; packets = probes sent (median);',
    '≠truth / ≠nmap = ports whose state differs, worst run (masscan reports open ports only: counted as open or not);',
    'lost = ports the lab answers (open or closed) reported as unanswered (filtered, open|filtered; masscan: an open port',
    'not reported), worst run: at full rate it should be 0 (S4: the target itself rate-limits its ICMP answers).',
    'masscan often hangs after its --wait until a packet arrives; it is then killed at targets×ports/rate + 5 s and its',
    'wall time is not shown, but the open ports it wrote before still count.',
    '',
    '| scenario | tool | wall s | ratio | peak RSS MB | packets | ≠truth | ≠nmap | lost | killed at timeout |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    for (const [tool, t] of Object.entries(r.tools)) {
      const ratio = tool === 'portlab' ? fmt(r.medianRatio, 3) : '';
      lines.push(
        `| ${r.id} ${r.title} | ${tool} | ${fmt(t.medianWallMs / 1000)} | ${ratio} | ${fmt(t.peakRssMb, 0)} | ${t.medianPacketsSent ?? '–'} | ${t.maxDifferFromTruth ?? '–'} | ${t.maxDifferFromNmap ?? '–'} | ${t.maxLost ?? '–'} | ${t.timeouts} |`,
      );
    }
  }
  lines.push('', ...renderProfiles(results));
  return `${lines.join('\n')}\n`;
}

function renderProfiles(results: ScenarioResult[]): string[] {
  const lines = [
    '## Profiles',
    '',
    'One run per scenario and tool: the one with the median wall time. CPU in ms, u = user, s = system; cores = the',
    "process's CPU per wall second; cs = context switches, voluntary/involuntary. Totals are wait4's. Per thread, from",
    "the kernel's taskstats record sent as each thread exits, so no thread is missed, however short its life: its exact",
    "run time (the scheduler's), split into user and system in the ratio of its tick samples, as /proc does it. What",
    'ran after the records (the address space torn down at exit) shows as "not in any thread\'s numbers". Marked "tick',
    'samples": a kernel whose records lack the exact time (each thread\'s ticks, so the sum is only roughly the total).',
    'Marked "sampled from /proc" (a kernel without CONFIG_TASKSTATS): each thread\'s last values from /proc/PID/task',
    'every 20 ms, so a thread loses what it ran after its last sample (at most 20 ms). Threads of one name are summed',
    '(×N; Node 20 names none of its own threads, so V8\'s and libuv\'s are all "node"); main = the thread whose id is the',
    'process id. bottleneck = the single thread with the most CPU per wall second ("mostly waiting" when even it runs',
    'less than a third of the time). syscalls/probe: system calls by name from one extra, untimed run under',
    '`strace -f -c` (every thread), divided by the packets that run sent (connect scans and tools that do not say:',
    'targets × ports), most frequent first.',
    '',
  ];
  for (const r of results) {
    lines.push(`**${r.id}** ${r.title}`, '');
    for (const [tool, t] of Object.entries(r.tools)) lines.push(...renderProfile(tool, t.profile));
    lines.push('');
  }
  return lines;
}
