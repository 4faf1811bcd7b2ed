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
  timeouts: number;
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

export function summarize(s: Scenario, runs: RunRecord[]): ScenarioResult {
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
      timeouts: rs.length - done.length,
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
    `${env.date} · kernel ${env.kernel} · ${env.cpus} CPUs · load ${env.load} · ${env.nmap} · commit ${env.commit} · ${env.runs} run(s) per tool`,
    '',
    'Median wall time per tool (whole process, from start to exit); ratio = median of PortLab/nmap from the same run;',
    'peak RSS = largest ru_maxrss of the scanning process over the runs; packets = probes sent (median);',
    '≠truth / ≠nmap = ports whose state differs, worst run (masscan reports open ports only: counted as open or not).',
    'masscan often hangs after its --wait until a packet arrives; it is then killed at targets×ports/rate + 5 s and its',
    'wall time is not shown, but the open ports it wrote before still count.',
    '',
    '| scenario | tool | wall s | ratio | peak RSS MB | packets | ≠truth | ≠nmap | killed at timeout |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    for (const [tool, t] of Object.entries(r.tools)) {
      const ratio = tool === 'portlab' ? fmt(r.medianRatio, 3) : '';
      lines.push(
        `| ${r.id} ${r.title} | ${tool} | ${fmt(t.medianWallMs / 1000)} | ${ratio} | ${fmt(t.peakRssMb, 0)} | ${t.medianPacketsSent ?? '–'} | ${t.maxDifferFromTruth ?? '–'} | ${t.maxDifferFromNmap ?? '–'} | ${t.timeouts} |`,
      );
    }
  }
  lines.push('');
  return `${lines.join('\n')}\n`;
}
