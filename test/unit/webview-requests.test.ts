import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebviewToHost, type ResultKey, type SelectPacketRequest } from '../../src/protocol/webview';
import { LatestRequest } from '../../webview/latest-request';

const key: ResultKey = { technique: 'syn', target: '198.18.51.2', port: 22 };
const selectPacket = (messageId: number, index: number): SelectPacketRequest => ({ type: 'selectPacket', messageId, key, index });

test('a reply is taken when it answers the latest request, once', () => {
  const packets = new LatestRequest<SelectPacketRequest>();
  const request = packets.wait(selectPacket(1, 0));
  assert.equal(packets.waiting, true);
  assert.equal(packets.answeredBy(1), request);
  assert.equal(packets.waiting, false);
  assert.equal(packets.answeredBy(1), undefined, 'the same reply again');
});

test('the reply to a superseded request is dropped: the user clicked another packet before it came', () => {
  const packets = new LatestRequest<SelectPacketRequest>();
  packets.wait(selectPacket(1, 0));
  const second = packets.wait(selectPacket(2, 3));
  assert.equal(packets.answeredBy(1), undefined);
  assert.equal(packets.waiting, true);
  assert.equal(packets.answeredBy(2), second);
});

test('a forgotten request is answered by no reply', () => {
  const packets = new LatestRequest<SelectPacketRequest>();
  packets.wait(selectPacket(1, 0));
  packets.forget();
  assert.equal(packets.waiting, false);
  assert.equal(packets.answeredBy(1), undefined);
});

test('the host accepts requests only with a messageId to reply to, and nothing it does not know', () => {
  assert.equal(WebviewToHost.safeParse({ type: 'ready', messageId: 1 }).success, true);
  assert.equal(WebviewToHost.safeParse(selectPacket(7, 2)).success, true);
  assert.equal(WebviewToHost.safeParse({ type: 'openCapture', key }).success, true);
  for (const bad of [
    { type: 'ready' },
    { type: 'selectPacket', key, index: 2 },
    { ...selectPacket(-1, 2) },
    { ...selectPacket(1.5, 2) },
    { ...selectPacket(1, 2), inReplyTo: 0 },
    { type: 'openCapture', key, messageId: 'x' },
  ])
    assert.equal(WebviewToHost.safeParse(bad).success, false, JSON.stringify(bad));
});
