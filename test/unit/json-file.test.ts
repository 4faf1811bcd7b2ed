import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readJsonFileIfValid, writeJsonFileAtomic } from '../../src/base/json-file';

const any = { safeParse: (value: unknown) => ({ success: true as const, data: value }) };

test('writeJsonFileAtomic: indented JSON with a final newline, the mode asked whatever the umask, no temporary file left', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portlab-json-'));
  const umask = process.umask(0o077);
  try {
    const path = join(dir, 'value.json');
    writeJsonFileAtomic(path, { a: 1 }, 0o644);
    assert.equal(readFileSync(path, 'utf8'), '{\n  "a": 1\n}\n');
    assert.equal(statSync(path).mode & 0o777, 0o644);
    assert.equal(existsSync(`${path}.tmp`), false);
    writeJsonFileAtomic(path, { a: 2 }, 0o600);
    assert.deepEqual(readJsonFileIfValid(path, any), { a: 2 });
    assert.equal(statSync(path).mode & 0o777, 0o600);
  } finally {
    process.umask(umask);
    rmSync(dir, { recursive: true, force: true });
  }
});
