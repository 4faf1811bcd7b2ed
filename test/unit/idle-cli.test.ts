import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTechniqueLetters } from '../../src/cli/technique-letters';
import { expandIdleZombie } from '../../src/cli/idle-zombie-args';
import { parseZombieSpec } from '../../src/engine/idle/zombie-spec';
import { UserError } from '../../src/base/errors';

const argv = (...args: string[]) => ['node', 'portlab', ...args];

test('-sI ZOMBIE as nmap users type it: the zombie becomes --zombie, wherever -sI stands', () => {
  assert.deepEqual(expandIdleZombie(argv('scan', '-sI', '198.18.0.4', '198.18.0.2')), argv('scan', '-sI', '--zombie', '198.18.0.4', '198.18.0.2'));
  assert.deepEqual(
    expandIdleZombie(argv('scan', '198.18.0.2', '-p', '22', '-sI', '198.18.0.4:8080')),
    argv('scan', '198.18.0.2', '-p', '22', '-sI', '--zombie', '198.18.0.4:8080'),
  );
  assert.deepEqual(expandIdleZombie(argv('scan', '-s', 'I', 'z', 't')), argv('scan', '-s', 'I', '--zombie', 'z', 't'));
  assert.deepEqual(expandIdleZombie(argv('scan', '-sSI', 'z', 't')), argv('scan', '-sSI', '--zombie', 'z', 't'));
  // no zombie after it: the scan command says what is missing
  assert.deepEqual(expandIdleZombie(argv('scan', 't', '-sI')), argv('scan', 't', '-sI'));
  // other letters, other commands and a program's own arguments are left alone
  assert.deepEqual(expandIdleZombie(argv('scan', '-sS', 't')), argv('scan', '-sS', 't'));
  assert.deepEqual(expandIdleZombie(argv('check', '-sI', 'z')), argv('check', '-sI', 'z'));
  assert.deepEqual(expandIdleZombie(argv('scan', 't', '--', '-sI', 'x')), argv('scan', 't', '--', '-sI', 'x'));
});

test('-sI is the idle scan among the technique letters', () => {
  assert.deepEqual(parseTechniqueLetters(['SI'], 'none'), ['syn', 'idle']);
});

test('ZOMBIE[:PROBEPORT]: nmap’s probe port 80 by default, a bad port refused', () => {
  assert.deepEqual(parseZombieSpec('198.18.0.4'), { host: '198.18.0.4', probePort: 80 });
  assert.deepEqual(parseZombieSpec('zombie.lab:443'), { host: 'zombie.lab', probePort: 443 });
  for (const bad of ['198.18.0.4:0', '198.18.0.4:70000', '198.18.0.4:', ':80', 'a b'])
    assert.throws(
      () => parseZombieSpec(bad),
      (err: unknown) => err instanceof UserError && /-sI ZOMBIE\[:PROBEPORT\]/.test(err.message),
      bad,
    );
});
