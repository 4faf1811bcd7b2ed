/** Where one tool run's time went: CPU per thread (rusage.py, thread_cpu.py) and system calls per probe (strace -c). */

export interface CpuUse {
  userMs: number;
  sysMs: number;
  voluntary: number;
  involuntary: number;
}

export interface ThreadCpu extends CpuUse {
  tid: number;
  /** the thread's name (comm) as the kernel knows it */
  name: string;
  /** a thread of the scanner itself, or of a child process it started */
  process: 'self' | 'child';
}

/** What rusage.py measured about CPU: the whole process (wait4) and each of its threads. */
export interface CpuMeasurement {
  pid: number;
  cpu: CpuUse;
  /** taskstats-ticks: a kernel whose records lack the exact run time, so each thread's times are its tick samples */
  threadSource: 'taskstats' | 'taskstats-ticks' | 'proc-sampling';
  /** taskstats only: the kernel dropped exit records (socket buffer full), so some threads may be missing */
  threadRecordsLost: boolean;
  threads: ThreadCpu[];
}

/** Threads of one name, summed. */
export interface ThreadGroup extends CpuUse {
  name: string;
  threads: number;
}

export interface SyscallCount {
  name: string;
  calls: number;
  errors: number;
}

export interface SyscallProfile {
  /** what the counts are divided by: packets the strace run sent, or targets × ports when the tool does not say */
  probes: number;
  probesAre: 'packets' | 'ports';
  totalCalls: number;
  /** by calls, most first */
  counts: SyscallCount[];
  /** the traced run hit its time limit; counts are up to then */
  timedOut: boolean;
}

export interface RunProfile {
  run: number;
  wallMs: number;
  cpu: CpuUse;
  threadSource: CpuMeasurement['threadSource'];
  threadRecordsLost: boolean;
  /** by CPU, most first */
  groups: ThreadGroup[];
  /**
   * process CPU (wait4) minus the threads' sum: what ran after each thread's record (the address space torn
   * down at exit), with /proc sampling what ran after the last sample; with tick samples alone, either sign.
   */
  unattributedMs: number;
  /** the single thread with the most CPU per wall second */
  bottleneck: { name: string; cpuMs: number; shareOfWall: number } | undefined;
  syscalls?: SyscallProfile;
}

const cpuOf = (t: CpuUse) => t.userMs + t.sysMs;

/** The main thread is the one whose id is the process id; others go by their name, children's marked. */
function labelOf(t: ThreadCpu, pid: number): string {
  if (t.process === 'child') return `child ${t.name}`;
  return t.tid === pid ? 'main' : t.name;
}

export function threadGroups(m: CpuMeasurement): ThreadGroup[] {
  const byName = new Map<string, ThreadGroup>();
  for (const t of m.threads) {
    const name = labelOf(t, m.pid);
    const g = byName.get(name) ?? { name, threads: 0, userMs: 0, sysMs: 0, voluntary: 0, involuntary: 0 };
    g.threads++;
    g.userMs += t.userMs;
    g.sysMs += t.sysMs;
    g.voluntary += t.voluntary;
    g.involuntary += t.involuntary;
    byName.set(name, g);
  }
  return [...byName.values()].sort((a, b) => cpuOf(b) - cpuOf(a) || a.name.localeCompare(b.name));
}

export function runProfile(run: number, wallMs: number, m: CpuMeasurement): RunProfile {
  const busiest = m.threads.reduce<ThreadCpu | undefined>((best, t) => (best === undefined || cpuOf(t) > cpuOf(best) ? t : best), undefined);
  const attributed = m.threads.reduce((sum, t) => sum + cpuOf(t), 0);
  return {
    run,
    wallMs,
    cpu: m.cpu,
    threadSource: m.threadSource,
    threadRecordsLost: m.threadRecordsLost,
    groups: threadGroups(m),
    unattributedMs: cpuOf(m.cpu) - attributed,
    bottleneck: busiest && { name: labelOf(busiest, m.pid), cpuMs: cpuOf(busiest), shareOfWall: cpuOf(busiest) / wallMs },
  };
}

/**
 * strace -c's table: `% time  seconds  usecs/call  calls  errors  syscall`, errors blank when none,
 * between dashed rules, then a `total` row (left out here: totalCalls sums the rows).
 */
export function parseStraceSummary(text: string): SyscallCount[] {
  const counts: SyscallCount[] = [];
  for (const line of text.split('\n')) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 5 || cols.length > 6 || !/^\d+\.\d+$/.test(cols[0]!)) continue;
    const name = cols[cols.length - 1]!;
    if (name === 'total') continue;
    counts.push({ name, calls: Number(cols[3]), errors: cols.length === 6 ? Number(cols[4]) : 0 });
  }
  if (counts.length === 0) throw new Error(`no system call counts in strace's summary: ${text.slice(0, 200)}`);
  return counts.sort((a, b) => b.calls - a.calls || a.name.localeCompare(b.name));
}

export function syscallProfile(counts: SyscallCount[], probes: number, probesAre: SyscallProfile['probesAre'], timedOut: boolean): SyscallProfile {
  return { probes, probesAre, totalCalls: counts.reduce((sum, c) => sum + c.calls, 0), counts, timedOut };
}

const SHOWN_GROUPS = 5;
const SHOWN_SYSCALLS = 6;
/** CPU outside every thread's numbers below this is not worth a word. */
const UNATTRIBUTED_SHOWN_MS = 20;
/** A run whose busiest thread runs less than this share of the wall time is bound by waiting, not by a thread. */
const MOSTLY_WAITING = 1 / 3;

const ms = (x: number) => Math.round(x).toString();
const perProbe = (x: number) => (x >= 10 ? x.toFixed(0) : x >= 1 ? x.toFixed(2) : x.toPrecision(2));

function groupText(g: ThreadGroup): string {
  const count = g.threads > 1 ? ` ×${g.threads}` : '';
  return `${g.name}${count} ${ms(g.userMs)}u/${ms(g.sysMs)}s (cs ${g.voluntary}/${g.involuntary})`;
}

const SOURCE_NOTE: Record<RunProfile['threadSource'], string> = {
  taskstats: '',
  'taskstats-ticks': 'tick samples',
  'proc-sampling': 'sampled from /proc',
};

function threadsLine(p: RunProfile): string {
  const shown = p.groups.slice(0, SHOWN_GROUPS).map(groupText);
  const rest = p.groups.slice(SHOWN_GROUPS);
  if (rest.length) {
    const n = rest.reduce((sum, g) => sum + g.threads, 0);
    shown.push(`${n} more threads ${ms(rest.reduce((s, g) => s + g.userMs, 0))}u/${ms(rest.reduce((s, g) => s + g.sysMs, 0))}s`);
  }
  if (p.unattributedMs >= UNATTRIBUTED_SHOWN_MS) shown.push(`not in any thread's numbers ${ms(p.unattributedMs)}`);
  const notes = [SOURCE_NOTE[p.threadSource], p.threadRecordsLost ? 'some taskstats records dropped' : ''].filter(Boolean);
  return `threads, ms${notes.length ? ` (${notes.join('; ')})` : ''}: ${shown.join(' · ')}`;
}

function syscallsLine(s: SyscallProfile): string {
  const top = s.counts.slice(0, SHOWN_SYSCALLS).map((c) => `${c.name} ${perProbe(c.calls / s.probes)}`);
  const what = s.probesAre === 'packets' ? 'probes' : 'ports';
  const cut = s.timedOut ? ', traced run stopped at its time limit' : '';
  return `syscalls/probe: ${top.join(' · ')} · all ${perProbe(s.totalCalls / s.probes)} (${s.probes} ${what}${cut})`;
}

/** One tool's profile as a Markdown list item with two or three sub-items. */
export function renderProfile(tool: string, p: RunProfile): string[] {
  const waiting = p.bottleneck && p.bottleneck.shareOfWall < MOSTLY_WAITING ? ', mostly waiting' : '';
  const b = p.bottleneck ? ` · bottleneck **${p.bottleneck.name}** ${Math.round(p.bottleneck.shareOfWall * 100)}% of wall${waiting}` : '';
  const head =
    `- **${tool}** run ${p.run}: ${(p.wallMs / 1000).toFixed(2)} s wall · CPU ${ms(p.cpu.userMs)}u/${ms(p.cpu.sysMs)}s ms` +
    ` (${(cpuOf(p.cpu) / p.wallMs).toFixed(2)} cores)` +
    ` · cs ${p.cpu.voluntary}/${p.cpu.involuntary}${b}`;
  const lines = [head, `  - ${threadsLine(p)}`];
  if (p.syscalls) lines.push(`  - ${syscallsLine(p.syscalls)}`);
  return lines;
}
