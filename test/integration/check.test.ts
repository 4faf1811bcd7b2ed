import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { CheckDocument, formatExchange, type CheckCase, type CheckResult } from '../../src/protocol';
import { buildCli, CLI, nmapInstalled, ROOT, tsharkFrames } from './scan-support';

/** Lab 80 is this file's own: other suites use other ids, so they may run beside it. */
const ID = 80;
const TARGET = `198.18.${ID}.2`;
/** Debian's Python, which has Scapy (a pyenv python3 on PATH may not). */
const PYTHON = '/usr/bin/python3';
const STUDENT = join(ROOT, 'test', 'fixtures', 'student');
/** One port of each kind the lab makes: open, closed, dropped, rejected (ICMP 3/13). */
const TCP_PORTS = { open: 22, closed: 23, drop: 25, reject: 110 };
const UDP_PORTS = { open: 53, closed: 69, drop: 123, reject: 514 };
/** A correct program waits 2 × 2 s on a silent port, plus about a second to import Scapy. */
const TIMEOUT_S = 12;

const outRoot = mkdtempSync(join(tmpdir(), 'portlab-check-'));

interface CheckRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `portlab check` as a user types it, from the host's namespace: it enters the lab's scanner namespace itself. */
function portlab(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<CheckRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 180_000, maxBuffer: 16 << 20, env }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

async function check(program: string, flag: string, ports: readonly number[], extra: string[] = []): Promise<CheckRun & { doc: CheckDocument }> {
  const run = await portlab([
    'check',
    '--lab',
    String(ID),
    '-p',
    ports.join(','),
    flag,
    '--timeout',
    String(TIMEOUT_S),
    '--json',
    ...extra,
    '--',
    PYTHON,
    join(STUDENT, program),
    '{target}',
    '{port}',
  ]);
  const parsed = CheckDocument.safeParse(JSON.parse(run.stdout || 'null'));
  assert.ok(parsed.success, `${program}: a check document on stdout (exit ${run.code}, stderr: ${run.stderr})`);
  return { ...run, doc: parsed.data };
}

/** The runs of `program` against this file's lab still alive, from /proc (its argv holds the lab's target). */
function processesOf(program: string): string[] {
  return readdirSync('/proc')
    .filter((pid) => /^\d+$/.test(pid))
    .filter((pid) => {
      try {
        const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        return argv.includes(join(STUDENT, program)) && argv.includes(TARGET);
      } catch {
        return false;
      }
    });
}

function byPort(doc: CheckDocument): Map<number, CheckCase> {
  return new Map(doc.cases.map((c) => [c.port, c]));
}

function results(doc: CheckDocument): Record<number, CheckResult> {
  return Object.fromEntries(doc.cases.map((c) => [c.port, c.result]));
}

before(async () => {
  await buildCli();
  const up = await portlab(['lab', 'up', '--id', String(ID)]);
  assert.equal(up.code, 0, up.stderr);
});

after(async () => {
  await portlab(['lab', 'down', '--id', String(ID)]);
  rmSync(outRoot, { recursive: true, force: true });
});

const CORRECT = [
  { program: 'connect_ok.py', flag: '-sT', verdicts: ['open', 'closed', 'filtered', 'filtered'] },
  { program: 'syn_ok.py', flag: '-sS', verdicts: ['open', 'closed', 'filtered', 'filtered'] },
  { program: 'xmas_ok.py', flag: '-sX', verdicts: ['open|filtered', 'closed', 'open|filtered', 'filtered'] },
  { program: 'fin_ok.py', flag: '-sF', verdicts: ['open|filtered', 'closed', 'open|filtered', 'filtered'] },
  { program: 'null_ok.py', flag: '-sN', verdicts: ['open|filtered', 'closed', 'open|filtered', 'filtered'] },
  { program: 'udp_ok.py', flag: '-sU', verdicts: ['open', 'closed', 'open|filtered', 'filtered'] },
] as const;

for (const { program, flag, verdicts } of CORRECT) {
  test(`${program} (${flag}): a correct program is correct on every kind of port, exit 0`, async () => {
    const ports = Object.values(flag === '-sU' ? UDP_PORTS : TCP_PORTS);
    const { code, doc } = await check(program, flag, ports);
    assert.deepEqual(
      doc.cases.map((c) => [c.port, c.program.verdict, c.result]),
      ports.map((p, i) => [p, verdicts[i], 'correct']),
      JSON.stringify(doc.cases.map((c) => [c.port, c.program.output, c.program.stderr])),
    );
    assert.equal(code, 0);
    assert.equal(doc.lab, ID);
    for (const c of doc.cases) {
      assert.equal(c.expected.source, 'lab');
      assert.ok(
        c.exchange.some((p) => p.dir === 'out'),
        `${c.port}: the program's packets are the case's`,
      );
    }
    if (program === 'syn_ok.py') assert.equal(formatExchange(byPort(doc).get(TCP_PORTS.open)!.exchange), 'S → SA → R(kernel) → R');
  });
}

test('syn_nested_icmp.py: no verdict on the rejected port (its ICMP 3/13 did arrive), correct elsewhere; exit 1', async () => {
  const out = join(outRoot, 'nested');
  const { code, doc } = await check('syn_nested_icmp.py', '-sS', Object.values(TCP_PORTS), ['--out', out]);
  assert.deepEqual(results(doc), { 22: 'correct', 23: 'correct', 25: 'correct', 110: 'no-verdict' });
  assert.equal(byPort(doc).get(110)!.program.exitCode, 0);
  assert.equal(code, 1);
  const frames = [...(await tsharkFrames(join(out, 'check', 'syn-110.pcap'))).values()];
  assert.ok(
    frames.some((f) => f.icmp === '3/13'),
    "the run's own capture holds the ICMP 3/13 the program ignored",
  );
  assert.deepEqual(CheckDocument.parse(JSON.parse(readFileSync(join(out, 'check.json'), 'utf8'))), doc, 'check.json holds what --json printed');
  assert.match(readFileSync(join(out, 'check', 'syn-22.out.txt'), 'utf8'), /Port 22 is open/);
});

test('portlab report renders "Your scanner" from check.json alone and beside the scan, in English and Chinese', async () => {
  const out = join(outRoot, 'nested');
  // A folder with the check alone is a report on the student's program.
  const alone = await portlab(['report', out, '-o', join(out, 'report.check-only.md')]);
  assert.equal(alone.code, 0, alone.stderr);
  assert.ok(readFileSync(join(out, 'report.check-only.md'), 'utf8').includes('## Your scanner'), 'a check-only folder has its section');
  // The scan of the lab runs in its scanner namespace, as the README says: only there does 198.18.N.2 lead to the lab.
  await promisify(execFile)('ip', ['netns', 'exec', `portlab${ID}-scanner`, process.execPath, CLI, 'scan', TARGET, '-p', '22', '-sS', '--out', out]);
  for (const [lang, heading, noVerdict] of [
    ['en', '## Your scanner', '| nothing | ? no verdict |'],
    ['zh-CN', '## 你的扫描程序', '| 无 | ? 没有结论 |'],
  ] as const) {
    const report = join(out, `report.${lang}.md`);
    const run = await portlab(['report', out, '--lang', lang, '-o', report]);
    assert.equal(run.code, 0, run.stderr);
    const text = readFileSync(report, 'utf8');
    assert.ok(text.includes(heading), `${lang}: the section is there`);
    const section = text.slice(text.indexOf(heading));
    const row = section.split('\n').find((l) => l.startsWith('| 110/tcp |'));
    assert.ok(row?.includes(noVerdict), `${lang}: ${row}`);
    assert.ok(row?.includes('(check/syn-110.pcap)'), 'links to the run capture');
    assert.ok(section.includes('sequenceDiagram'), 'the ladder of what the program sent');
  }
});

test('connect_ra.py (-sT): right verdicts, though its handshake is never completed', async () => {
  const { code, doc } = await check('connect_ra.py', '-sT', [TCP_PORTS.open, TCP_PORTS.closed]);
  assert.deepEqual(results(doc), { 22: 'correct', 23: 'correct' });
  const open = byPort(doc).get(22)!;
  assert.equal(open.program.verdict, 'open');
  assert.equal(code, 0);
  assert.equal(formatExchange(open.exchange), 'S → SA → R(kernel) → RA');
  const unfinished = open.textbook?.deviations.find((d) => d.kind === 'handshake-not-completed');
  assert.match(unfinished?.text ?? '', /^Handshake never completed/);
  assert.equal(open.textbook?.matches, false);
});

test('udp_empty_dns.py: wrong on DNS port 53 (open|filtered, the truth is open), correct on the echo port', async () => {
  const { code, doc } = await check('udp_empty_dns.py', '-sU', [7, 53]);
  assert.deepEqual(results(doc), { 7: 'correct', 53: 'wrong' });
  const dns = byPort(doc).get(53)!;
  assert.deepEqual([dns.program.verdict, dns.expected.state, dns.truth], ['open|filtered', 'open', 'open']);
  assert.ok(
    dns.textbook?.deviations.some((d) => d.kind === 'empty-udp-probe'),
    'its packets show the empty probe to DNS',
  );
  assert.equal(code, 1);
});

test('syntax_error.py: crashed, and the table shows its SyntaxError', async () => {
  const { doc } = await check('syntax_error.py', '-sS', [TCP_PORTS.open]);
  const c = doc.cases[0]!;
  assert.equal(c.result, 'crashed');
  assert.deepEqual([c.program.exitCode, c.program.crashed, c.program.verdict], [1, true, null]);
  assert.match(c.program.stderr, /SyntaxError: Missing parentheses/);
  assert.deepEqual([c.exchange, c.textbook], [[], undefined], 'it sent nothing');
  const text = await portlab(['check', '--lab', String(ID), '-p', '22', '-sS', '--', PYTHON, join(STUDENT, 'syntax_error.py'), '{target}', '{port}']);
  assert.equal(text.code, 1);
  assert.match(text.stdout, /^22\/tcp +open +open \(syn-ack\) +- +crashed/m);
  assert.match(text.stdout, /SyntaxError: Missing parentheses in call to 'print'/);
});

test('hangs.py --timeout 8: timed out on the dropped port and killed, no process of it left; correct elsewhere', async () => {
  const started = Date.now();
  const { code, doc } = await check('hangs.py', '-sS', [TCP_PORTS.open, TCP_PORTS.drop], ['--timeout', '8']);
  assert.deepEqual(results(doc), { 22: 'correct', 25: 'timed-out' });
  const hung = byPort(doc).get(25)!;
  assert.equal(hung.program.timedOut, true);
  assert.ok(hung.program.durationMs >= 8000 && hung.program.durationMs < 10_000, `${hung.program.durationMs} ms`);
  assert.ok(Date.now() - started < 30_000);
  assert.equal(code, 1);
  assert.deepEqual(processesOf('hangs.py'), [], 'no process of hangs.py is left');
});

test('the program holds CAP_NET_RAW and nothing more, as the student who ran sudo, or as uid 0 when root ran it', async () => {
  const script = 'grep -E "^(Uid|Gid|CapEff|CapBnd|CapAmb|NoNewPrivs):" /proc/self/status; echo "Port $2 is open"';
  const privileges = async (env: NodeJS.ProcessEnv) => {
    const run = await portlab(['check', '--lab', String(ID), '-p', '22', '-sS', '--json', '--', '/bin/sh', '-c', script, 'sh', '{target}', '{port}'], env);
    const c = CheckDocument.parse(JSON.parse(run.stdout)).cases[0]!;
    assert.equal(c.result, 'correct', c.program.output);
    return Object.fromEntries(c.program.output.split('\n').flatMap((l) => (/^\w+:/.test(l) ? [[l.split(':')[0], l.split(/\s+/)[1]]] : [])));
  };
  const NET_RAW = '0000000000002000';
  assert.deepEqual(await privileges({ ...process.env, SUDO_UID: '65534', SUDO_GID: '65534' }), {
    Uid: '65534',
    Gid: '65534',
    CapEff: NET_RAW,
    CapBnd: NET_RAW,
    CapAmb: NET_RAW,
    NoNewPrivs: '1',
  });
  const root = { ...process.env };
  delete root.SUDO_UID;
  delete root.PKEXEC_UID;
  assert.deepEqual(await privileges(root), { Uid: '0', Gid: '0', CapEff: NET_RAW, CapBnd: NET_RAW, CapAmb: NET_RAW, NoNewPrivs: '1' });
});

test("a target that is not a lab's: PortLab's own scan gives the expected answer, nmap's stands beside it", async () => {
  // Port 1 of loopback: nothing listens there, so the kernel refuses the connection.
  const run = await portlab(['check', '127.0.0.1', '-p', '1', '-sT', '--json', '--', PYTHON, join(STUDENT, 'connect_ok.py'), '{target}', '{port}']);
  const doc = CheckDocument.parse(JSON.parse(run.stdout));
  const c = doc.cases[0]!;
  assert.deepEqual([c.expected, c.result, c.truth, doc.lab], [{ state: 'closed', reason: 'conn-refused', source: 'portlab' }, 'correct', undefined, undefined]);
  if (await nmapInstalled()) assert.deepEqual(c.nmap, { state: 'closed', reason: 'conn-refused', source: 'nmap' });
  assert.equal(formatExchange(c.exchange), 'S → RA');
  assert.equal(run.code, 0);
});

test('SIGTERM stops the check: the hung program is killed, the case that ended is printed, exit 130', async () => {
  const child = spawn(
    process.execPath,
    [
      CLI,
      'check',
      '--lab',
      String(ID),
      '-p',
      `${TCP_PORTS.open},${TCP_PORTS.drop}`,
      '-sS',
      '--json',
      '--',
      PYTHON,
      join(STUDENT, 'hangs.py'),
      '{target}',
      '{port}',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // The open port's run ends (Scapy's start takes seconds on a busy machine); the dropped port's never does.
  const running = (port: number) =>
    processesOf('hangs.py').some((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(String(port));
      } catch {
        return false;
      }
    });
  const deadline = Date.now() + 60_000;
  let openSeen = false;
  while (Date.now() < deadline && !(openSeen && !running(TCP_PORTS.open) && running(TCP_PORTS.drop))) {
    openSeen ||= running(TCP_PORTS.open);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGTERM');
  assert.equal(await exited, 130, stderr);
  assert.match(stderr, /check interrupted: the results are partial/);
  const doc = CheckDocument.parse(JSON.parse(stdout));
  assert.deepEqual(results(doc), { 22: 'correct' });
  assert.deepEqual(processesOf('hangs.py'), [], 'no process of hangs.py is left');
});

test('bad input is one line on stderr and exit 2, before any program runs', async () => {
  const noProgram = await portlab(['check', '--lab', String(ID), '-p', '22', '-sS']);
  assert.deepEqual([noProgram.code, noProgram.stderr.trim().split('\n').length], [2, 1]);
  assert.match(noProgram.stderr, /no program to check/);
  const outside = await portlab(['check', '8.8.8.8', '-p', '53', '-sU', '--', PYTHON, join(STUDENT, 'udp_ok.py'), '{target}', '{port}']);
  assert.equal(outside.code, 2);
  assert.match(outside.stderr, /^portlab: target 8\.8\.8\.8 is outside the lab ranges/);
  const notLab = await portlab(['check', `198.18.${ID}.1`, '-p', '22', '-sS', '--', PYTHON, join(STUDENT, 'syn_ok.py'), '{target}', '{port}']);
  assert.equal(notLab.code, 2);
  assert.match(notLab.stderr, new RegExp(`is not the target of lab ${ID}: check its target ${TARGET.replaceAll('.', '\\.')}`));
});
