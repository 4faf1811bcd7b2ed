// One end of a native-layer test on a veth pair: runs inside a namespace (`ip netns exec NS node --import tsx
// test/support/native-peer.ts JSON`), does one job on the native layer directly (or on LiveCapture above it),
// prints one JSON line, exits.
import { LiveCapture } from '../../src/link/capture';
import { loadNativeLayer } from '../../src/link/native-addon';
import type { FrameBatch, PacketSocket } from '../../src/link/native-layer';

/** Frames the tests send: Ethernet broadcast with a local experimental EtherType; a 32-bit sequence number after the header. */
export const TEST_ETHERTYPE = 0x88b5;
/** Frames the capture's filter must keep out. */
export const OTHER_ETHERTYPE = 0x88b6;

export type PeerJob =
  /** sends `batches` (frame counts) of `frameBytes`-byte TEST_ETHERTYPE frames with sendBatch, then reports stats */
  | { job: 'send'; iface: string; batches: number[]; frameBytes: number }
  /** sends OTHER_ETHERTYPE frames one at a time until killed */
  | { job: 'flood'; iface: string }
  /** captures TEST_ETHERTYPE frames until `expect` arrived or `ms` passed */
  | { job: 'receive'; iface: string; snaplen: number; ringBytes: number; expect: number; ms: number }
  /** opens and closes `opens` captures for TEST_ETHERTYPE, each for `ms`, counting frames of any other type seen */
  | { job: 'reopen'; iface: string; opens: number; ms: number }
  /** captures until onError, or `ms` */
  | { job: 'error'; iface: string; ms: number }
  /**
   * captures TEST_ETHERTYPE frames on `iface` with a LiveCapture, sends `frames` of them from `sendIface` (the
   * other end of a veth pair in the same namespace), and once all are sent, drains the capture
   */
  | { job: 'drain'; iface: string; sendIface: string; frames: number };

export function frameOf(etherType: number, seq: number, bytes: number): Uint8Array {
  const frame = new Uint8Array(bytes);
  frame.fill(0xff, 0, 6);
  frame.set([0x02, 0, 0, 0, 0, 1], 6);
  frame[12] = etherType >> 8;
  frame[13] = etherType & 0xff;
  new DataView(frame.buffer).setUint32(14, seq);
  return frame;
}

const etherTypeOf = (b: FrameBatch, k: number) => (b.data[b.offsets[k]! + 12]! << 8) | b.data[b.offsets[k]! + 13]!;
const seqOf = (b: FrameBatch, k: number) => new DataView(b.data.buffer, b.data.byteOffset + b.offsets[k]! + 14, 4).getUint32(0);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function run(job: PeerJob): Promise<unknown> {
  const native = loadNativeLayer();
  const open = (
    filter: string,
    snaplen: number,
    ringBytes: number,
    onFrames: (b: FrameBatch) => void,
    onError: (m: string) => void = () => undefined,
  ): Promise<PacketSocket> => native.PacketSocket.open(job.iface, filter, { snaplen, ringBytes, onFrames, onError });
  const testFilter = `ether proto ${TEST_ETHERTYPE}`;
  switch (job.job) {
    case 'send': {
      let own = 0;
      const socket = await open(testFilter, 128, 1 << 18, (b) => (own += b.count));
      let seq = 0;
      let full = 0;
      for (const count of job.batches) {
        const data = new Uint8Array(count * job.frameBytes);
        const offsets = new Uint32Array(count);
        const lengths = new Uint32Array(count).fill(job.frameBytes);
        for (let k = 0; k < count; k++) {
          offsets[k] = k * job.frameBytes;
          data.set(frameOf(TEST_ETHERTYPE, seq++, job.frameBytes), offsets[k]);
        }
        while (socket.sendBatch(data, offsets, lengths, count) === -1) {
          full++;
          await sleep(1);
        }
      }
      while (socket.stats().queued > 0) await sleep(5);
      await sleep(100);
      const stats = socket.stats();
      socket.close();
      return { stats, full, ownCaptured: own };
    }
    case 'flood': {
      const socket = await open(testFilter, 128, 1 << 18, () => undefined);
      const frame = frameOf(OTHER_ETHERTYPE, 0, 60);
      for (;;) {
        for (let i = 0; i < 100; i++) socket.send(frame);
        await sleep(1);
      }
    }
    case 'receive': {
      let frames = 0;
      let batches = 0;
      let maxBatch = 0;
      let lastSeq = -1;
      let outOfOrder = 0;
      const lengths = new Set<number>();
      let error: string | undefined;
      const socket = await open(
        testFilter,
        job.snaplen,
        job.ringBytes,
        (b) => {
          batches++;
          maxBatch = Math.max(maxBatch, b.count);
          for (let k = 0; k < b.count; k++) {
            lengths.add(b.lengths[k]!);
            const seq = seqOf(b, k);
            if (seq <= lastSeq) outOfOrder++;
            lastSeq = seq;
            frames++;
          }
        },
        (m) => (error = m),
      );
      process.stdout.write('ready\n');
      const deadline = Date.now() + job.ms;
      while (frames < job.expect && Date.now() < deadline && error === undefined) await sleep(10);
      await sleep(50);
      const stats = socket.stats();
      socket.close();
      return { frames, batches, maxBatch, outOfOrder, lengths: [...lengths], stats, error };
    }
    case 'reopen': {
      let wrong = 0;
      let right = 0;
      for (let i = 0; i < job.opens; i++) {
        const socket = await open(testFilter, 128, 1 << 18, (b) => {
          for (let k = 0; k < b.count; k++)
            if (etherTypeOf(b, k) === TEST_ETHERTYPE) right++;
            else wrong++;
        });
        await sleep(job.ms);
        socket.close();
      }
      return { wrong, right };
    }
    case 'drain': {
      let delivered = 0;
      const capture = await LiveCapture.open(job.iface, testFilter, () => delivered++);
      const sender = await native.PacketSocket.open(job.sendIface, testFilter, {
        snaplen: 128,
        ringBytes: 1 << 18,
        onFrames: () => undefined,
        onError: () => undefined,
      });
      const frameBytes = 60;
      const data = new Uint8Array(job.frames * frameBytes);
      for (let k = 0; k < job.frames; k++) data.set(frameOf(TEST_ETHERTYPE, k, frameBytes), k * frameBytes);
      const offsets = Uint32Array.from({ length: job.frames }, (_, k) => k * frameBytes);
      const lengths = new Uint32Array(job.frames).fill(frameBytes);
      while (sender.sendBatch(data, offsets, lengths, job.frames) === -1) await sleep(1);
      while (sender.stats().sent < job.frames) await new Promise(setImmediate);
      const beforeDrain = delivered;
      await capture.drain();
      const atDrain = delivered;
      const { dropped, captured } = capture.stats();
      sender.close();
      capture.close();
      return { beforeDrain, atDrain, dropped, captured };
    }
    case 'error': {
      const errors: string[] = [];
      let afterClose = 0;
      let closed = false;
      const socket = await open(
        testFilter,
        128,
        1 << 18,
        () => undefined,
        (m) => {
          if (closed) afterClose++;
          errors.push(m);
        },
      );
      process.stdout.write('ready\n');
      const deadline = Date.now() + job.ms;
      while (errors.length === 0 && Date.now() < deadline) await sleep(10);
      await sleep(200);
      socket.close();
      closed = true;
      let sendError: string | undefined;
      try {
        socket.send(frameOf(TEST_ETHERTYPE, 0, 60));
      } catch (err) {
        sendError = (err as Error).message;
      }
      return { errors, afterClose, sendError };
    }
  }
}

if (require.main === module)
  run(JSON.parse(process.argv[2]!) as PeerJob).then(
    (result) => {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      process.exit(0);
    },
    (err: Error) => {
      process.stdout.write(`${JSON.stringify({ failed: err.message })}\n`);
      process.exit(1);
    },
  );
