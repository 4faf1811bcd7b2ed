import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readProgramVerdict } from '../../src/check/program-verdict';

const stateOf = (output: string) => readProgramVerdict(output)?.state;

test("nmap's spelling and the ways students write each state", () => {
  const cases: [string, string][] = [
    ['Port 80 is open', 'open'],
    ['Port 80 is OPEN', 'open'],
    ['80/tcp closed', 'closed'],
    ['Port 25 is filtered (no response)', 'filtered'],
    ['Port 25 is open|filtered', 'open|filtered'],
    ['Port 25 is open | filtered', 'open|filtered'],
    ['Port 25: Open/Filtered', 'open|filtered'],
    ['port 25 open or filtered', 'open|filtered'],
    ['Port 80 is unfiltered', 'unfiltered'],
    ['result: closed.', 'closed'],
    ['[+] 22:open', 'open'],
  ];
  for (const [line, state] of cases) assert.equal(stateOf(line), state, line);
});

test('Chinese output: 开放, 关闭, 过滤 and their combination', () => {
  assert.equal(stateOf('端口 80 开放'), 'open');
  assert.equal(stateOf('端口 23 关闭'), 'closed');
  assert.equal(stateOf('端口 110 被过滤'), 'filtered');
  assert.equal(stateOf('端口 25：开放|过滤'), 'open|filtered');
  assert.equal(stateOf('端口 25 开放或过滤'), 'open|filtered');
  assert.equal(stateOf('端口 25 未过滤'), 'unfiltered');
});

test('a word inside another word is not a verdict', () => {
  for (const line of ['socket opened', 'reopen the socket', 'closedown', 'prefiltered input', 'the port was opened'])
    assert.equal(readProgramVerdict(line), undefined, line);
});

test('the last line that names a state wins, and the last state on it', () => {
  assert.equal(stateOf('Port 80 is closed\nretrying...\nPort 80 is open\n'), 'open');
  assert.equal(stateOf('Port 80 is open\nsocket opened and done\n'), 'open');
  assert.equal(stateOf('port 80: filtered? no - open'), 'open');
  assert.deepEqual(readProgramVerdict('scanning 198.18.80.2\r\n  Port 80 is open  \r\ndone\r\n'), { state: 'open', line: 'Port 80 is open' });
});

test('output with no state has no verdict', () => {
  assert.equal(readProgramVerdict(''), undefined);
  assert.equal(readProgramVerdict('Port 110: unexpected ICMP 3/13\n'), undefined);
});
