import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const json = (p: string) => JSON.parse(readFileSync(join(root, p), 'utf8')) as Record<string, unknown>;

/** Every message the extension shows: the first argument of each vscode.l10n.t call. */
function extensionMessages(): string[] {
  const dir = join(root, 'src', 'extension');
  const messages: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    const text = readFileSync(join(dir, file), 'utf8');
    const calls = text.split('l10n.t(').length - 1;
    const literals = [...text.matchAll(/l10n\.t\(\s*'((?:[^'\\]|\\.)*)'/g)].map((m) => m[1]!.replace(/\\'/g, "'"));
    assert.equal(literals.length, calls, `${file}: every l10n.t call takes a string literal, so that it can be translated`);
    messages.push(...literals);
  }
  return [...new Set(messages)];
}

test('every message of the extension has a Simplified Chinese translation with the same placeholders', () => {
  const bundle = json('l10n/bundle.l10n.zh-cn.json');
  const messages = extensionMessages();
  assert.ok(messages.length > 40);
  for (const m of messages) {
    const zh = bundle[m];
    assert.equal(typeof zh, 'string', `no zh-cn translation for "${m}"`);
    assert.deepEqual([...(zh as string).matchAll(/\{\d+\}/g)].map((x) => x[0]).sort(), [...m.matchAll(/\{\d+\}/g)].map((x) => x[0]).sort(), m);
    assert.notEqual(zh, m, `"${m}" is not translated`);
  }
  assert.deepEqual(
    Object.keys(bundle).filter((k) => !messages.includes(k)),
    [],
    'translations of messages the code no longer shows',
  );
});

test('every %key% in package.json is in package.nls.json and package.nls.zh-cn.json', () => {
  const pkg = readFileSync(join(root, 'package.json'), 'utf8');
  const keys = [...new Set([...pkg.matchAll(/"%([^%"]+)%"/g)].map((m) => m[1]!))];
  const en = json('package.nls.json');
  const zh = json('package.nls.zh-cn.json');
  assert.ok(keys.length > 20);
  for (const k of keys) {
    assert.equal(typeof en[k], 'string', `package.nls.json lacks ${k}`);
    assert.equal(typeof zh[k], 'string', `package.nls.zh-cn.json lacks ${k}`);
  }
  assert.deepEqual(Object.keys(zh).sort(), Object.keys(en).sort());
});

test('the palette shows every command under the PortLab category, and the extension registers exactly those', async () => {
  const pkg = json('package.json') as { contributes: { commands: { command: string; category: string }[] } };
  const source = readFileSync(join(root, 'src', 'extension', 'commands.ts'), 'utf8');
  const registered = [...source.matchAll(/reg\('(portlab\.[a-zA-Z]+)'/g)].map((m) => m[1]).sort();
  assert.deepEqual(pkg.contributes.commands.map((c) => c.command).sort(), registered);
  for (const c of pkg.contributes.commands) assert.equal(c.category, 'PortLab');
});
