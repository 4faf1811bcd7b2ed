// The CLI loads only the command it runs (src/cli/commands/index.ts): every command is still there for the
// overall help, a misspelt one is still explained, and each runs with its own options.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { TOOL_VERSION } from '../../src/base/version';

const ROOT = join(import.meta.dirname, '../..');

function portlab(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], { encoding: 'utf8', timeout: 60_000 });
}

test('--version prints the version alone', () => {
  const run = portlab('--version');
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout, `${TOOL_VERSION}\n`);
});

test('the overall help lists every command', () => {
  const run = portlab('--help');
  assert.equal(run.status, 0, run.stderr);
  for (const name of ['lab', 'discover', 'scan', 'report', 'helper', 'demo', 'check', 'analyze', 'setup-privileges'])
    assert.match(run.stdout, new RegExp(`\\n  ${name} `), `${name} in the help`);
});

test("a command's help has its own options; a misspelt command is explained", () => {
  const scan = portlab('scan', '--help');
  assert.equal(scan.status, 0, scan.stderr);
  assert.match(scan.stdout, /^Usage: portlab scan \[options\] <targets\.\.\.>/);
  assert.match(scan.stdout, /--output-xml <file>/);
  assert.match(portlab('lab', 'up', '--help').stdout, /--icmp-ratelimit <MS>/);
  const misspelt = portlab('sacn', '198.18.0.2');
  assert.equal(misspelt.status, 2);
  assert.match(misspelt.stderr, /unknown command 'sacn'[\s\S]*Did you mean scan\?/);
});

test('a scan runs its action, loaded when it runs: bad input gets its one-line answer', () => {
  const run = portlab('scan', '198.18.0.2', '-p', '70000');
  assert.equal(run.status, 2);
  assert.match(run.stderr, /^portlab: .*70000/);
});
