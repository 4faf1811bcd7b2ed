// Fuzz campaign for the native layer's JS boundary: `npm run fuzz:native -- --iterations N [--seed X]`.
// Random calls of PacketSocket (on lo) and RawIpSocket (to 127.0.0.1 and ::1) send/sendBatch/stats with frame
// lengths 0, 1, 13, 14, snaplen+1, 65535, 65536 and random, offsets past the data's end, counts beyond the arrays'
// lengths, huge, negative, fractional or NaN, and arguments of the wrong type; then sockets opened and closed in
// a loop. Each call must return a number or throw a TypeError/RangeError, or (a synchronous send) an Error with
// the errno's code; a crash ends the process, which is the campaign's failure. Every frame is zeros: EtherType 0
// and IP version 0, which the stack on lo drops, so nothing sent goes anywhere.
import { readdirSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { loadNativeLayer } from '../src/link/native-addon';
import { rng } from './fuzz';

export interface NativeFuzzOptions {
  iterations: number;
  seed: number;
}

export interface NativeFuzzReport {
  seed: number;
  calls: number;
  returned: number;
  full: number;
  typeErrors: number;
  rangeErrors: number;
  /** synchronous sends the kernel refused (EINVAL for a frame shorter than a header, EMSGSIZE…) */
  errnoErrors: number;
  /** frames the send threads' kernel calls refused, from stats() */
  countedSendErrors: number;
  /** calls that did something else (threw another kind of error, returned a non-number) */
  unexpected: { call: string; outcome: string }[];
  /** after close(): every call still throws a clear Error, and close() again does nothing */
  closedCallsThrew: boolean;
  /** file descriptors and threads before the campaign and after every socket was closed */
  fds: [number, number];
  threads: [number, number];
}

const SNAPLEN = 1518;
const LENGTHS = [0, 1, 13, 14, 15, 20, 40, 60, SNAPLEN, SNAPLEN + 1, 65535, 65536];
const COUNTS = [0, 1, 2, 3, 64, 65, 4096, 4097, 100_000, 2 ** 31, 2 ** 32, 2 ** 53, -1, 0.5, NaN, Infinity];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const countOf = (dir: string) => readdirSync(dir).length;

interface Sender {
  send(frame: Uint8Array): number;
  sendBatch(data: Uint8Array, offsets: Uint32Array, lengths: Uint32Array, count: number): number;
  stats(): { sendErrors: number; queued: number };
  close(): void;
}

export async function fuzzNativeBoundary(options: NativeFuzzOptions): Promise<NativeFuzzReport> {
  const random = rng(options.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const native = loadNativeLayer();
  const report: NativeFuzzReport = {
    seed: options.seed,
    calls: 0,
    returned: 0,
    full: 0,
    typeErrors: 0,
    rangeErrors: 0,
    errnoErrors: 0,
    countedSendErrors: 0,
    unexpected: [],
    closedCallsThrew: true,
    fds: [countOf('/proc/self/fd'), 0],
    threads: [countOf('/proc/self/task'), 0],
  };
  const data = new Uint8Array(70_000);
  const length = () => (random() < 0.7 ? pick(LENGTHS) : Math.floor(random() * 70_000));
  const uint32s = (n: number, value: () => number) => Uint32Array.from({ length: n }, value);
  const wrong: unknown[] = [
    undefined,
    null,
    'frames',
    42,
    {},
    [0, 14],
    new ArrayBuffer(16),
    new DataView(new ArrayBuffer(16)),
    new Uint16Array(4),
    new Int32Array(4),
    new Float64Array(4),
  ];

  const call = (label: string, f: () => unknown) => {
    report.calls++;
    try {
      const value = f();
      if (typeof value !== 'number' && value !== undefined && (typeof value !== 'object' || value === null))
        report.unexpected.push({ call: label, outcome: `returned ${String(value)}` });
      else if (value === -1) report.full++;
      else report.returned++;
    } catch (err) {
      if (err instanceof TypeError) report.typeErrors++;
      else if (err instanceof RangeError) report.rangeErrors++;
      else if (err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' && label === 'send') report.errnoErrors++;
      else report.unexpected.push({ call: label, outcome: String(err) });
    }
  };

  const fuzzOne = (socket: Sender) => {
    const r = random();
    if (r < 0.25) call('send', () => socket.send(data.subarray(0, Math.min(length(), data.length))));
    else if (r < 0.7) {
      const n = Math.floor(random() * 70);
      const offsets = uint32s(n, () => (random() < 0.9 ? Math.floor(random() * 2000) : Math.floor(random() * 2 ** 32)));
      const lengths = uint32s(n, length);
      const count = random() < 0.6 ? n : pick(COUNTS);
      call('sendBatch', () => socket.sendBatch(data, offsets, lengths, count));
    } else if (r < 0.9) {
      const args = [data, new Uint32Array(2), new Uint32Array([14, 14]), 2] as unknown[];
      args[Math.floor(random() * 4)] = pick(wrong);
      call('sendBatch wrong type', () => (socket.sendBatch as (...a: unknown[]) => number)(...args));
    } else call('stats', () => socket.stats());
  };

  const open = (): Sender[] => [
    new native.PacketSocket('lo', 'ether proto 0x88b5', { snaplen: SNAPLEN, ringBytes: 1 << 18, onFrames: () => undefined, onError: () => undefined }),
    new native.RawIpSocket(4, '127.0.0.1', () => undefined),
    new native.RawIpSocket(6, '::1', () => undefined),
  ];
  const sockets = open();
  for (let i = 0; i < options.iterations; i++) {
    fuzzOne(pick(sockets));
    if (i % 256 === 255) await sleep(0);
  }
  const deadline = Date.now() + 10_000;
  while (sockets.some((s) => s.stats().queued > 0) && Date.now() < deadline) await sleep(10);
  for (const s of sockets) report.countedSendErrors += s.stats().sendErrors;
  for (const s of sockets) {
    s.close();
    s.close();
    for (const f of [() => s.send(data.subarray(0, 60)), () => s.sendBatch(data, new Uint32Array(1), new Uint32Array([60]), 1)]) {
      try {
        f();
        report.closedCallsThrew = false;
      } catch (err) {
        if (!(err instanceof Error) || !/closed/.test(err.message)) report.closedCallsThrew = false;
      }
    }
  }
  // open and close in a loop, some with frames still queued: every thread joined, every descriptor closed
  for (let i = 0; i < Math.min(50, Math.ceil(options.iterations / 100)); i++) {
    const churn = open();
    for (const s of churn)
      s.sendBatch(
        data,
        uint32s(64, () => 0),
        uint32s(64, () => 60),
        64,
      );
    for (const s of churn) s.close();
  }
  // close() hands the kernel's release of each socket to a short-lived thread (native/packet_socket.cc): give
  // them up to 2 s to end before counting what was left behind.
  for (let waited = 0; waited < 2000; waited += 10) {
    if (countOf('/proc/self/fd') <= report.fds[0] && countOf('/proc/self/task') <= report.threads[0]) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  report.fds[1] = countOf('/proc/self/fd');
  report.threads[1] = countOf('/proc/self/task');
  return report;
}

function parseArgs(argv: string[]): NativeFuzzOptions {
  const int = (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('a whole number');
    return n;
  };
  const o = new Command()
    .option('--iterations <n>', 'calls across the three sockets', int, 100_000)
    .option('--seed <n>', 'random seed', int, Date.now() % 2 ** 31)
    .parse(argv, { from: 'user' })
    .opts<NativeFuzzOptions>();
  return o;
}

if (require.main === module)
  void fuzzNativeBoundary(parseArgs(process.argv.slice(2))).then((report) => {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    const leaked = report.fds[1] > report.fds[0] || report.threads[1] > report.threads[0];
    process.exitCode = report.unexpected.length > 0 || !report.closedCallsThrew || leaked ? 1 : 0;
  });
