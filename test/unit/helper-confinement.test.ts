// What the helper keeps and where it writes: setpriv's arguments, who it becomes, the capture root it accepts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../src/base/errors';
import { checkCaptureRoot, ensurePrivateDirectory } from '../../src/helper/capture-dir';
import { parseProcStatus } from '../../src/base/proc-status';
import { invokingUser, isConfined, setprivArgs } from '../../src/helper/privileges';

const status = (caps: { prm: string; bnd: string }, nnp: 0 | 1) =>
  `Name:\tnode\nUid:\t1000\t1000\t1000\t1000\nCapInh:\t0000000000002000\nCapPrm:\t${caps.prm}\nCapEff:\t${caps.prm}\nCapBnd:\t${caps.bnd}\nNoNewPrivs:\t${nnp}\n`;

test('confined means no new privileges and nothing beyond CAP_NET_RAW, in the permitted and the bounding set', () => {
  assert.equal(isConfined(parseProcStatus(status({ prm: '0000000000002000', bnd: '0000000000002000' }, 1))), true);
  assert.equal(isConfined(parseProcStatus(status({ prm: '0000000000000000', bnd: '0000000000002000' }, 1))), true);
  assert.equal(isConfined(parseProcStatus(status({ prm: '0000000000002000', bnd: '0000000000002000' }, 0))), false);
  assert.equal(isConfined(parseProcStatus(status({ prm: '0000000000002000', bnd: '000001ffffffffff' }, 1))), false);
  assert.equal(isConfined(parseProcStatus(status({ prm: '0000000000003000', bnd: '0000000000003000' }, 1))), false);
  assert.equal(parseProcStatus(status({ prm: '0', bnd: '0' }, 1)).uid, 1000);
});

test('the helper becomes whoever ran sudo or pkexec, never root again; as root by itself it keeps uid 0', () => {
  const groupOf = (uid: number) => (uid === 1001 ? 100 : undefined);
  assert.deepEqual(invokingUser({ SUDO_UID: '1000', SUDO_GID: '1000' }, groupOf), { uid: 1000, gid: 1000 });
  assert.deepEqual(invokingUser({ PKEXEC_UID: '1001' }, groupOf), { uid: 1001, gid: 100 });
  assert.equal(invokingUser({ SUDO_UID: '0', SUDO_GID: '0' }, groupOf), undefined);
  assert.equal(invokingUser({ SUDO_UID: 'x' }, groupOf), undefined);
  assert.equal(invokingUser({}, groupOf), undefined);
  const asStudent = setprivArgs({ uid: 1000, gid: 1000 });
  for (const arg of [
    '--no-new-privs',
    '--reuid=1000',
    '--regid=1000',
    '--clear-groups',
    '--bounding-set=-all,+net_raw',
    '--ambient-caps=-all,+net_raw',
    '--inh-caps=-all,+net_raw',
  ])
    assert.ok(asStudent.includes(arg), arg);
  assert.equal(
    setprivArgs(undefined).some((a) => a.startsWith('--reuid')),
    false,
  );
});

test('--capture-dir: absolute, without . or .. segments', () => {
  assert.equal(checkCaptureRoot('/home/s/.cache/portlab/'), '/home/s/.cache/portlab');
  assert.equal(checkCaptureRoot('/home/s/..cache'), '/home/s/..cache');
  for (const [dir, ...words] of [
    ['captures', '"captures" is relative'],
    ['/home/s/../../etc', '".." segment', '(/etc)'],
    ['/tmp/./x', '"." or ".." segment'],
    ['  ', 'must name a directory'],
  ])
    assert.throws(
      () => checkCaptureRoot(dir!),
      (e: unknown) => e instanceof UserError && words.every((w) => e.message.includes(w)),
      dir,
    );
});

test('capture directories: made 0700, an existing one of ours narrowed to 0700, a symlink refused', (t) => {
  const base = mkdtempSync(join(tmpdir(), 'portlab-capdir-'));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  ensurePrivateDirectory(join(base, 'a', 'b'), { recursive: true });
  assert.equal(statSync(join(base, 'a', 'b')).mode & 0o777, 0o700);
  mkdirSync(join(base, 'open'), { mode: 0o755 });
  chmodSync(join(base, 'open'), 0o755);
  ensurePrivateDirectory(join(base, 'open'));
  assert.equal(statSync(join(base, 'open')).mode & 0o777, 0o700);
  mkdirSync(join(base, 'elsewhere'), { mode: 0o755 });
  chmodSync(join(base, 'elsewhere'), 0o755);
  symlinkSync(join(base, 'elsewhere'), join(base, 'link'));
  assert.throws(() => ensurePrivateDirectory(join(base, 'link')), /is not a directory \(a symbolic link\?\)/);
  assert.equal(statSync(join(base, 'elsewhere')).mode & 0o777, 0o755, 'the link target is untouched');
});
