import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coalesce } from '../../src/extension/coalesce';

test('a burst of requests runs the function once, at the end of the window; a later request opens a new one', async () => {
  let calls = 0;
  const c = coalesce(() => calls++, 30);
  for (let i = 0; i < 1000; i++) c.request();
  assert.equal(calls, 0, 'not before the window ends');
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(calls, 1);
  c.request();
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(calls, 2);
  c.request();
  c.dispose();
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(calls, 2, 'nothing runs after dispose');
});
