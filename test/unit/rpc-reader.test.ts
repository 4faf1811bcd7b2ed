import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { ErrorCodes, ResponseError } from 'vscode-jsonrpc/node';
import { BoundedMessageReader, type BadInput } from '../../src/helper/bounded-reader';
import { validateParams } from '../../src/helper/validate';

const frame = (body: string | Buffer, length = Buffer.byteLength(body)) => Buffer.concat([Buffer.from(`Content-Length: ${length}\r\n\r\n`), Buffer.from(body)]);
const req = (id: number, method = 'hello') => JSON.stringify({ jsonrpc: '2.0', id, method, params: {} });

/**
 * Feeds chunks to a reader and collects what it delivers and what it reports as bad input. A read that
 * depends on the reader's stall timeout waits until `messagesExpected` have arrived (bounded at 6 s, three
 * times the timeout), so a slow machine changes how long the test takes, not what it sees.
 */
async function read(chunks: Buffer[], max = 1024, messagesExpected = 0) {
  const input = new PassThrough();
  const messages: unknown[] = [];
  const bad: BadInput[] = [];
  const reader = new BoundedMessageReader(input, max, (b) => bad.push(b));
  const sub = reader.listen((m) => messages.push(m));
  for (const c of chunks) input.write(c);
  const deadline = Date.now() + 6000;
  do await new Promise((r) => setTimeout(r, 20));
  while (messages.length < messagesExpected && Date.now() < deadline);
  sub.dispose();
  return { ids: messages.map((m) => (m as { id: number }).id), bad };
}

test('well-framed messages arrive in order, also when split byte by byte', async () => {
  const bytes = Buffer.concat([frame(req(1)), frame(req(2)), frame(req(3))]);
  assert.deepEqual((await read([bytes])).ids, [1, 2, 3]);
  assert.deepEqual((await read([...bytes].map((b) => Buffer.from([b])))).ids, [1, 2, 3]);
});

test('garbage, a non-numeric length and a non-JSON body are each reported and the next message still arrives', async () => {
  const r = await read([
    Buffer.from('hello there\r\n\r\n'),
    frame(req(1)),
    Buffer.from('Content-Length: abc\r\n\r\n'),
    frame(req(2)),
    frame('{not json'),
    frame(req(3)),
  ]);
  assert.deepEqual(r.ids, [1, 2, 3]);
  assert.deepEqual(
    r.bad.map((b) => b.code),
    [-32700, -32700, -32700],
  );
  assert.match(r.bad[1]!.message, /Content-Length "abc" is not a number/);
  assert.match(r.bad[2]!.message, /not JSON/);
});

test('newline-delimited JSON without framing is reported at once, not held until 8 KiB', async () => {
  const r = await read([Buffer.from(req(1) + '\n'), frame(req(2))]);
  assert.deepEqual(r.ids, [2]);
  assert.match(r.bad[0]!.message, /expected a Content-Length header/);
});

test('a Content-Length too short or too long loses only the broken message', async () => {
  const short = await read([frame(req(1), 10), frame(req(2))]);
  assert.deepEqual(short.ids, [2]);
  assert.equal(short.bad.length, 2); // the cut body, then its leftover bytes before the next header
  const long = await read([frame(req(1), 300), frame(req(2))], 1024, 1);
  assert.deepEqual(long.ids, [2]);
  assert.match(long.bad[0]!.message, /shorter than its Content-Length/);
});

test('a message above the limit is skipped without buffering it, and the stream stays in step', async () => {
  const big = frame(JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'hello', params: { pad: 'x'.repeat(5000) } }));
  const r = await read([big.subarray(0, 100), big.subarray(100), frame(req(1))]);
  assert.deepEqual(r.ids, [1]);
  assert.equal(r.bad.length, 1);
  assert.match(r.bad[0]!.message, /larger than the limit of 1024 bytes/);
});

test('an over-limit Content-Length with a short body does not swallow the requests after it', async () => {
  const r = await read([Buffer.from('Content-Length: 99999999\r\n\r\n{"jsonrpc":"2.0"}'), frame(req(1)), frame(req(2))], 1024, 2);
  assert.deepEqual(r.ids, [1, 2]);
  assert.match(r.bad[0]!.message, /larger than the limit/);
  assert.match(r.bad[1]!.message, /shorter than its Content-Length \(17 bytes before the next header\)/);
});

test('JSON that is not a JSON-RPC message is an Invalid Request carrying its id', async () => {
  const r = await read([
    frame('[1,2]'),
    frame('42'),
    frame(JSON.stringify({ jsonrpc: '2.0', id: 7, method: 5 })),
    frame(JSON.stringify({ jsonrpc: '1.0', id: 8, method: 'hello' })),
    frame(JSON.stringify({ jsonrpc: '2.0', id: 6, method: 'hello', params: 'x' })),
  ]);
  assert.deepEqual(r.ids, []);
  assert.deepEqual(
    r.bad.map((b) => [b.code, b.id]),
    [
      [-32600, null],
      [-32600, null],
      [-32600, 7],
      [-32600, 8],
      [-32600, 6],
    ],
  );
});

test('validation errors are InvalidParams naming the field', () => {
  const check = (method: Parameters<typeof validateParams>[0], params: unknown, message: RegExp) =>
    assert.throws(
      () => validateParams(method, params),
      (err: unknown) => {
        assert.ok(err instanceof ResponseError);
        assert.equal(err.code, ErrorCodes.InvalidParams);
        assert.match(err.message, message);
        return true;
      },
    );
  check('scan.start', { targets: ['198.18.0.2'], ports: 80, techniques: ['syn'] }, /params\.ports: .*string/);
  check('scan.start', { targets: [5], ports: '80', techniques: ['syn'] }, /params\.targets\[0\]/);
  check('scan.start', { targets: ['198.18.0.2'], ports: '80', techniques: ['syn'], captureDir: '../../etc' }, /params: .*captureDir/);
  check('scan.start', { targets: ['198.18.0.2'], ports: '80', techniques: ['syn'], iface: '../x' }, /params\.iface: not an interface name/);
  check('hello', [1, 'x'], /expected an object, not an array/);
  check('lab.up', { id: 300 }, /params\.id/);
  assert.deepEqual(validateParams('interfaces', undefined), {});
  assert.deepEqual(validateParams('scan.cancel', { scanId: 'scan-1' }), { scanId: 'scan-1' });
});
