import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runNmap } from '../../src/cli/nmap-run';

// runNmap runs any program; a shell stands in for the ways nmap ends without its XML.

test("an nmap that fails says so on stderr: its first line is the report's reason", async () => {
  await assert.rejects(runNmap('sh', ['-c', 'echo "Failed to resolve given hostname/IP" >&2; echo more >&2; exit 1']), {
    message: 'Failed to resolve given hostname/IP',
  });
});

test('an nmap that dies of a signal without a word (nmap 7.93 on -6 -sI) is named with its signal', async () => {
  await assert.rejects(runNmap('sh', ['-c', 'kill -SEGV $$']), { message: 'nmap died of SIGSEGV' });
});

test('an nmap that outlives its time is stopped and said to have given no answer', async () => {
  await assert.rejects(runNmap('sleep', ['10'], 200), { message: 'no answer after 0.2 s' });
});
