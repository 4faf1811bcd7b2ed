import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { differing, lostAnswers } from './compare';
import { runInScanner, stopRunning, type Measured } from './measure';
import { parseMasscan, parseNmap, parsePortlab, type ToolAnswer } from './outputs';
import { parseStraceSummary, runProfile, syscallProfile, type SyscallProfile } from './profile';
import { renderMarkdown, summarize, type RunRecord, type ScenarioResult } from './report';
import { benchHosts, portSpec, scenarios, topTcpPorts, truthOf, type Scenario, type Tool } from './scenarios';
import { buildTopology, removeNamespaces, SCANNER_IF, SCANNER_IP, type Topology } from './topology';

const CLI = resolve(__dirname, '..', 'out', 'cli.js');
const MASSCAN_RATE = 100_000;
const MASSCAN_GRACE_SEC = 5;
/** A traced run makes every system call a round trip through strace. */
const TRACED_TIMEOUT_FACTOR = 3;

function usage(): never {
  process.stderr.write(
    'usage: npm run bench -- [--runs N] [--quick] [--only S1,S4] [--no-masscan] [--profile | --no-profile]\n' +
      '  --no-profile: no extra run under strace per scenario and tool (no syscalls/probe); CPU per thread is kept\n',
  );
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    runs: { type: 'string' },
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    'no-masscan': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: true },
    'no-profile': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) usage();
const runs = values.runs !== undefined ? Number(values.runs) : values.quick ? 1 : 3;
if (!Number.isInteger(runs) || runs < 1 || runs > 20) usage();
const traceSyscalls = values.profile && !values['no-profile'];

function hasCommand(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function portlabSupportsSourceIps(): boolean {
  return execFileSync(process.execPath, [CLI, 'scan', '--help'], { encoding: 'utf8' }).includes('--source-ips');
}

function commandFor(tool: Tool, s: Scenario, topo: Topology, outFile: string): string[] {
  const ports = portSpec(s.ports);
  switch (tool) {
    case 'portlab':
      // The same job as nmap's: its XML to a file (PortLab's --json carries every port's exchange as well, a
      // 20 MB document for a full range, which nmap is not asked to write).
      return [process.execPath, CLI, 'scan', ...s.targets, '-p', ports, ...s.portlab, '-oX', outFile];
    case 'nmap':
      // -n: no reverse DNS (nothing outside the sandbox); -Pn: the same work as PortLab, which skips host discovery.
      return ['nmap', ...s.nmap, '-n', '-Pn', '-v', '-p', ports, '-oX', outFile, ...s.targets];
    case 'masscan':
      return [
        'masscan',
        ...s.targets,
        '-p',
        ports,
        '--rate',
        String(MASSCAN_RATE),
        '--wait',
        '1',
        '--adapter',
        SCANNER_IF,
        '--adapter-ip',
        SCANNER_IP,
        '--adapter-mac',
        topo.scannerMac,
        '--router-mac',
        topo.targetMac,
        '-oJ',
        outFile,
      ];
  }
}

function answerOf(tool: Tool, s: Scenario, m: Measured, outFile: string): ToolAnswer {
  const file = existsSync(outFile) ? readFileSync(outFile, 'utf8') : '';
  if (tool === 'portlab') return parsePortlab(file, m.stdout);
  if (tool === 'nmap') return parseNmap(file, m.stdout);
  const answer = parseMasscan(file, s.targets, s.ports);
  // masscan sends exactly one SYN per port and host unless told to retry.
  return { ...answer, packetsSent: s.targets.length * s.ports.length };
}

/** `traceFile`: the run is under `strace -f -c`, whose counts go there. */
async function runOne(tool: Tool, s: Scenario, topo: Topology, traceFile?: string): Promise<{ m: Measured; answer: ToolAnswer | undefined }> {
  const dir = mkdtempSync(join(tmpdir(), 'portlabbench-out-'));
  const outFile = join(dir, tool === 'masscan' ? 'masscan.json' : `${tool}.xml`);
  try {
    // masscan often hangs after its --wait until a packet comes (engine notes); its time is then the
    // kill time, but its output file is written as it goes, so its answers still count.
    const timeout = tool === 'masscan' ? Math.ceil((s.targets.length * s.ports.length) / MASSCAN_RATE) + MASSCAN_GRACE_SEC : s.timeoutSec;
    const command = commandFor(tool, s, topo, outFile);
    const m = traceFile
      ? await runInScanner(['strace', '-f', '-c', '-o', traceFile, '--', ...command], timeout * TRACED_TIMEOUT_FACTOR)
      : await runInScanner(command, timeout);
    if (m.exitCode !== 0 && !m.timedOut) process.stderr.write(`  ${tool} exited ${m.exitCode}: ${m.stderr.trim().slice(-400)}\n`);
    let answer: ToolAnswer | undefined;
    try {
      answer = m.timedOut && tool !== 'masscan' ? undefined : answerOf(tool, s, m, outFile);
    } catch (err) {
      process.stderr.write(`  ${tool}: unreadable output: ${(err as Error).message}\n${m.stderr.slice(-400)}\n`);
    }
    return { m, answer };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** System calls by name of one extra run under strace, per probe that run sent. */
async function syscallsOfTracedRun(tool: Tool, s: Scenario, topo: Topology): Promise<SyscallProfile | undefined> {
  const dir = mkdtempSync(join(tmpdir(), 'portlabbench-strace-'));
  const traceFile = join(dir, 'strace.txt');
  try {
    const { m, answer } = await runOne(tool, s, topo, traceFile);
    if (!existsSync(traceFile)) {
      process.stderr.write(`  ${tool} under strace: no counts (${m.stderr.trim().slice(-300)})\n`);
      return undefined;
    }
    const sent = tool === 'masscan' ? undefined : answer?.packetsSent;
    const probes = sent || s.targets.length * s.ports.length;
    return syscallProfile(parseStraceSummary(readFileSync(traceFile, 'utf8')), probes, sent ? 'packets' : 'ports', m.timedOut);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    process.stderr.write('npm run bench needs root (namespaces, raw sockets)\n');
    process.exit(2);
  }
  const top1000 = topTcpPorts(1000);
  const hosts = benchHosts(top1000);
  let list = scenarios(top1000, portlabSupportsSourceIps());
  if (values.only) {
    const wanted = values.only.split(',');
    list = list.filter((s) => wanted.includes(s.id));
  }
  const useMasscan = !values['no-masscan'] && hasCommand('masscan');
  if (traceSyscalls && !hasCommand('strace')) {
    process.stderr.write('bench: strace is missing (npm run bench installs it through scripts/setup.sh as root); or pass --no-profile\n');
    process.exit(2);
  }
  const startLoad = loadavg()[0]!;
  const started = Date.now();
  const topo = await buildTopology(hosts);
  const onSignal = () => {
    stopRunning();
    topo.teardown();
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const results: ScenarioResult[] = [];
  try {
    for (const s of list) {
      const truth = truthOf(hosts, s.protocol);
      const keys = s.targets.flatMap((t) => s.ports.map((p) => `${t}/${p}`));
      const truthAt = (k: string) => {
        const [ip, port] = k.split('/');
        return truth(ip!, Number(port));
      };
      const records: RunRecord[] = [];
      for (let r = 0; r < runs; r++) {
        // Alternate who goes first so both see the same background load on this shared machine.
        const order: Tool[] = r % 2 === 0 ? ['portlab', 'nmap'] : ['nmap', 'portlab'];
        if (useMasscan && s.masscan) order.push('masscan');
        const answers = new Map<Tool, ToolAnswer | undefined>();
        const record: RunRecord = { run: r + 1, tools: {} };
        for (const tool of order) {
          process.stderr.write(`${s.id} run ${r + 1}/${runs}: ${tool} … `);
          const { m, answer } = await runOne(tool, s, topo);
          answers.set(tool, answer);
          record.tools[tool] = {
            wallMs: m.wallMs,
            maxRssKb: m.maxRssKb,
            exitCode: m.exitCode,
            timedOut: m.timedOut,
            packetsSent: answer?.packetsSent,
            profile: runProfile(r + 1, m.wallMs, m),
          };
          process.stderr.write(`${(m.wallMs / 1000).toFixed(2)} s, ${Math.round(m.maxRssKb / 1024)} MB${m.timedOut ? ' (timed out)' : ''}\n`);
        }
        const nmap = answers.get('nmap');
        for (const tool of order) {
          const a = answers.get(tool);
          const t = record.tools[tool]!;
          if (!a) continue;
          const openOnly = tool === 'masscan';
          t.differFromTruth = differing(a.states, truthAt, keys, openOnly);
          t.lost = lostAnswers(a.states, truthAt, keys, openOnly);
          if (tool !== 'nmap' && nmap) t.differFromNmap = differing(a.states, (k) => nmap.states.get(k), keys, openOnly);
        }
        const pl = record.tools.portlab;
        const nm = record.tools.nmap;
        if (pl && nm && !pl.timedOut && !nm.timedOut) record.ratio = pl.wallMs / nm.wallMs;
        records.push(record);
      }
      const syscalls: Partial<Record<Tool, SyscallProfile>> = {};
      if (traceSyscalls)
        for (const tool of Object.keys(records[0]!.tools) as Tool[]) {
          process.stderr.write(`${s.id} ${tool} under strace (untimed) … `);
          syscalls[tool] = await syscallsOfTracedRun(tool, s, topo);
          process.stderr.write(syscalls[tool] ? `${syscalls[tool].totalCalls} calls\n` : 'no counts\n');
        }
      results.push(summarize(s, records, syscalls));
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    topo.teardown();
  }
  const env = {
    date: new Date().toISOString(),
    kernel: release(),
    cpus: cpus().length,
    load: `${startLoad.toFixed(2)} → ${loadavg()[0]!.toFixed(2)}`,
    nmap: execFileSync('nmap', ['--version'], { encoding: 'utf8' }).split('\n')[0]!,
    commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', cwd: resolve(__dirname, '..') }).trim(),
    runs,
    profile: traceSyscalls ? 'CPU per thread + strace run' : 'CPU per thread (--no-profile: no strace run)',
    minutes: ((Date.now() - started) / 60_000).toFixed(1),
  };
  const md = renderMarkdown(env, results);
  process.stdout.write(md);
  // Several people share one checkout: a run of some scenarios must not replace the full table that is committed.
  const name = values.only ? 'results-partial' : 'results';
  writeFileSync(join(__dirname, `${name}.md`), md);
  writeFileSync(join(__dirname, `${name}.json`), `${JSON.stringify({ env, scenarios: results }, null, 2)}\n`);
  process.stderr.write(`bench: wrote bench/${name}.md and .json\n`);
}

main().catch((err: unknown) => {
  removeNamespaces();
  process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
