import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCommandLine, programCommandLine, studentPython3 } from '../../src/extension/check-program';
import { checkCliArgs, checkerLines, cliErrorLine } from '../../src/extension/check-cli';
import { Command } from 'commander';
import { register as registerCheck } from '../../src/cli/commands/check';
import { parseTechniqueLetters } from '../../src/cli/technique-letters';

const DEFAULT = ['python3', '{file}', '{target}', '{port}'];

test('the command-line setting gets the program file; {target} and {port} stay for the checker', () => {
  assert.deepEqual(
    programCommandLine(DEFAULT, '/work/syn_ok.py', () => '/usr/bin/python3'),
    ['/usr/bin/python3', '/work/syn_ok.py', '{target}', '{port}'],
  );
  assert.deepEqual(
    programCommandLine(['/home/me/venv/bin/python', '-u', '{file}', '{target}', '{port}'], '/w/a b.py', () => 'unused'),
    ['/home/me/venv/bin/python', '-u', '/w/a b.py', '{target}', '{port}'],
  );
  assert.deepEqual(
    programCommandLine(['./scan', '--file={file}'], '/w/x', () => 'unused'),
    ['./scan', '--file=/w/x'],
  );
});

test('python3 is the system Python when there is one, else the one the student’s shell finds', () => {
  assert.equal(
    studentPython3(
      (p) => p === '/usr/bin/python3',
      () => '/home/s/.pyenv/shims/python3',
    ),
    '/usr/bin/python3',
  );
  assert.equal(
    studentPython3(
      () => false,
      () => '/home/s/.pyenv/shims/python3',
    ),
    '/home/s/.pyenv/shims/python3',
  );
  assert.equal(
    studentPython3(
      () => false,
      () => undefined,
    ),
    'python3',
  );
});

test('a setting that is not a list of words with a program first is refused', () => {
  assert.equal(isCommandLine(DEFAULT), true);
  for (const bad of [[], '', 'python3 {file}', [''], ['  ', '{file}'], [3, '{file}'], undefined, null])
    assert.equal(isCommandLine(bad), false, JSON.stringify(bad));
});

test('the checker runs on the lab with the technique’s nmap flag, JSON and an --out folder, the program after --', () => {
  const args = checkCliArgs({
    runtime: { path: '/usr/bin/node', runAsNode: false },
    cliPath: '/ext/out/cli.js',
    lab: 81,
    target: '198.18.81.2',
    technique: 'syn',
    ports: [22, 23, 110],
    timeoutS: 15,
    outDir: '/w/portlab-check/syn_ok',
    program: ['/usr/bin/python3', '/w/syn_ok.py', '{target}', '{port}'],
  });
  assert.deepEqual(args, [
    '/ext/out/cli.js',
    'check',
    '198.18.81.2',
    '-p',
    '22,23,110',
    '-sS',
    '--lab',
    '81',
    '--timeout',
    '15',
    '--json',
    '--out',
    '/w/portlab-check/syn_ok',
    '--',
    '/usr/bin/python3',
    '/w/syn_ok.py',
    '{target}',
    '{port}',
  ]);

  // What the real `portlab check` makes of them: its own options and arguments, its action stubbed out.
  const program = new Command('portlab').exitOverride();
  registerCheck(program);
  const check = program.commands.find((c) => c.name() === 'check')!;
  check.exitOverride();
  let parsed: { target: string | undefined; programArgs: string[]; opts: Record<string, unknown> } | undefined;
  check.action((target: string | undefined, programArgs: string[], opts: Record<string, unknown>) => {
    parsed = { target, programArgs, opts };
  });
  assert.equal(args[0], '/ext/out/cli.js');
  program.parse(['/usr/bin/node', ...args], { from: 'node' });
  assert.ok(parsed, 'the check command ran');
  assert.equal(parsed.target, '198.18.81.2');
  assert.deepEqual(parsed.programArgs, ['/usr/bin/python3', '/w/syn_ok.py', '{target}', '{port}']);
  assert.equal(parsed.opts.ports, '22,23,110');
  assert.deepEqual(parsed.opts.scan, ['S']);
  assert.deepEqual(parseTechniqueLetters(parsed.opts.scan as string[], 'no technique'), ['syn']);
  assert.equal(parsed.opts.lab, 81);
  assert.equal(parsed.opts.timeout, 15);
  assert.equal(parsed.opts.json, true);
  assert.equal(parsed.opts.out, '/w/portlab-check/syn_ok');
  assert.deepEqual(parsed.opts.allowTarget, []);
});

test('the checker’s error is its own last line, never a stack trace', () => {
  assert.equal(
    cliErrorLine("portlab: a program is checked inside the lab's namespace portlab81-scanner, which takes root: run it with sudo (sudo portlab check …)\n"),
    "a program is checked inside the lab's namespace portlab81-scanner, which takes root: run it with sudo (sudo portlab check …)",
  );
  assert.equal(
    cliErrorLine('portlab: internal error: TypeError: x is undefined\n    at f (/ext/out/cli.js:1:2)\n    at g (/ext/out/cli.js:3:4)\n'),
    'internal error: TypeError: x is undefined',
  );
  assert.equal(cliErrorLine('Segmentation fault\n'), undefined);
  assert.deepEqual(checkerLines('noise\nportlab: one\nportlab: two\n'), ['one', 'two']);
});
