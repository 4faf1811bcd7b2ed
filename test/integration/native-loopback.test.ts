import { createSocket, type Socket } from 'node:dgram';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openRawChannel, OutgoingFrames } from '../../src/link';
import { buildUdpFrame, decodeFrame, ZERO_MAC } from '../../src/wire';
import { rootSkip, sleep } from '../support/lab-env';

const FRAMES = 300;
const OUR_PORTS = { first: 47100, last: 47355 };

async function listen(type: 'udp4' | 'udp6', address: string): Promise<{ socket: Socket; port: number; got: number[] }> {
  const socket = createSocket(type);
  const got: number[] = [];
  socket.on('message', (msg) => got.push(msg.readUInt32BE(0)));
  await new Promise<void>((resolve) => socket.bind(0, address, resolve));
  return { socket, port: socket.address().port, got };
}

/**
 * sendFrames on `lo`: the batch goes to the raw IP socket with each Ethernet header stripped, arrives in order,
 * and the channel's capture (filter `inbound and (…)`) hands each packet on once, though on lo it passes twice.
 */
for (const [type, address] of [
  ['udp4', '127.0.0.1'],
  ['udp6', '::1'],
] as const) {
  test(`sendFrames to ${address}: every datagram arrives in order, and the capture sees each once`, { skip: rootSkip }, async () => {
    const listener = await listen(type, address);
    const captured = new Map<number, number>();
    const channel = await openRawChannel(address, undefined, OUR_PORTS, {
      onFrame(frame) {
        const d = decodeFrame(frame);
        if (d?.udp && d.udp.dstPort === listener.port) {
          const seq = new DataView(d.udp.payload.buffer, d.udp.payload.byteOffset).getUint32(0);
          captured.set(seq, (captured.get(seq) ?? 0) + 1);
        }
      },
    });
    try {
      const batch = new OutgoingFrames(64, 200);
      for (let seq = 0; seq < FRAMES;) {
        batch.clear();
        while (!batch.full && seq < FRAMES) {
          const payload = new Uint8Array(8);
          new DataView(payload.buffer).setUint32(0, seq);
          batch.add(
            buildUdpFrame({
              srcMac: ZERO_MAC,
              dstMac: ZERO_MAC,
              srcIp: address,
              dstIp: address,
              srcPort: OUR_PORTS.first + (seq % 256),
              dstPort: listener.port,
              payload,
            }),
          );
          seq++;
        }
        while (channel.sendFrames(batch) === -1) await sleep(1);
        // the listener's receive buffer (rmem_default) holds about 250 datagrams: it reads between batches
        await sleep(20);
      }
      const deadline = Date.now() + 5000;
      while ((listener.got.length < FRAMES || captured.size < FRAMES) && Date.now() < deadline) await sleep(20);
      await sleep(100);
      assert.deepEqual(
        listener.got,
        Array.from({ length: FRAMES }, (_, i) => i),
      );
      assert.equal(captured.size, FRAMES);
      assert.deepEqual([...new Set(captured.values())], [1], 'each packet captured once (inbound), not twice');
    } finally {
      channel.close();
      listener.socket.close();
    }
  });
}
