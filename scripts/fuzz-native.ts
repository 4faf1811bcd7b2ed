// Fuzz campaign for the native layer's JS boundary: `npm run fuzz:native -- --iterations N [--seed X]`.
// Random calls of PacketSocket (on lo) and RawIpSocket (to 127.0.0.1 and ::1) send/sendBatch/stats with frame
// lengths 0, 1, 13, 14, snaplen+1, 65535, 65536 and random, offsets past the data's end, counts beyond the arrays'
// lengths, huge, negative, fractional or NaN, and arguments of the wrong type; then sockets opened and closed in
// a loop. Each call must return a number or throw a TypeError/RangeError, or (a synchronous send) an Error with
// the errno's code; a crash ends the process, which is the campaign's failure. Every frame is zeros: EtherType 0
// and IP version 0, which the stack on lo drops, so nothing sent goes anywhere. PacketSocket.open is called with
// arguments of the wrong type (it must throw at once), on interfaces that are not there (it must reject with
// ENODEV), and OPENS times on lo: closed as soon as it resolves, closed later, or abandoned to the GC. The connect
// engine's constructor and start() get hostile arguments too, between good calls to 127.0.0.1 port 9.
import { readdirSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Command, InvalidArgumentError } from 'commander';
import { loadNativeLayer } from '../src/link/native-addon';
import type { ConnectEngine, NativeLayer, PacketSocket, PacketSocketOptions } from '../src/link/native-layer';
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
  /** PacketSocket.open with arguments of the wrong type or out of range: thrown at once, as TypeError/RangeError */
  openArgumentErrors: { typeErrors: number; rangeErrors: number };
  /** how PacketSocket.open rejected for an interface that is not there (the errno's name) */
  openMissingInterface: string[];
  /** opens on lo that resolved; `new PacketSocket()` outside open() threw a TypeError */
  opened: number;
  constructorRefused: boolean;
  /** ConnectEngine: hostile constructor and start() arguments refused as TypeError/RangeError; start() calls taken */
  engineArgumentErrors: number;
  engineStarted: number;
  /** file descriptors and threads before the campaign and after every socket was closed */
  fds: [number, number];
  threads: [number, number];
}

const SNAPLEN = 1518;
const LENGTHS = [0, 1, 13, 14, 15, 20, 40, 60, SNAPLEN, SNAPLEN + 1, 65535, 65536];
const COUNTS = [0, 1, 2, 3, 64, 65, 4096, 4097, 100_000, 2 ** 31, 2 ** 32, 2 ** 53, -1, 0.5, NaN, Infinity];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const countOf = (dir: string) => readdirSync(dir).length;
/** PacketSocket.open calls on lo, a third each closed at once, closed after the others, or never closed */
const OPENS = 200;
/** An abandoned socket is closed when the GC collects it (native/packet_socket.cc): the campaign makes it collect. */
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

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
    openArgumentErrors: { typeErrors: 0, rangeErrors: 0 },
    openMissingInterface: [],
    opened: 0,
    constructorRefused: false,
    engineArgumentErrors: 0,
    engineStarted: 0,
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

  const packetOptions = { snaplen: SNAPLEN, ringBytes: 1 << 18, onFrames: () => undefined, onError: () => undefined };
  const openPacket = () => native.PacketSocket.open('lo', 'ether proto 0x88b5', packetOptions);
  const open = async (): Promise<Sender[]> => [
    await openPacket(),
    new native.RawIpSocket(4, '127.0.0.1', () => undefined),
    new native.RawIpSocket(6, '::1', () => undefined),
  ];
  const sockets = await open();
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
    const churn = await open();
    for (const s of churn)
      s.sendBatch(
        data,
        uint32s(64, () => 0),
        uint32s(64, () => 60),
        64,
      );
    for (const s of churn) s.close();
  }
  await fuzzOpen(native, packetOptions, openPacket, random, report);
  await fuzzConnectEngine(native, random, report);
  // close() hands the kernel's release of each socket to a short-lived thread (native/packet_socket.cc): give
  // them up to 2 s to end before counting what was left behind.
  collectGarbage();
  for (let waited = 0; waited < 2000; waited += 10) {
    if (countOf('/proc/self/fd') <= report.fds[0] && countOf('/proc/self/task') <= report.threads[0]) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  report.fds[1] = countOf('/proc/self/fd');
  report.threads[1] = countOf('/proc/self/task');
  return report;
}

/** The entry that opens a packet socket: bad arguments, missing interfaces, and OPENS opens closed at once, later, or never. */
async function fuzzOpen(
  native: NativeLayer,
  options: PacketSocketOptions,
  openPacket: () => Promise<PacketSocket>,
  random: () => number,
  report: NativeFuzzReport,
): Promise<void> {
  const bad: unknown[][] = [
    [],
    [42, '', options],
    ['lo', null, options],
    ['lo', '', undefined],
    ['lo', '', { ...options, snaplen: 0 }],
    ['lo', '', { ...options, snaplen: 262145 }],
    ['lo', '', { ...options, snaplen: 1.5 }],
    ['lo', '', { ...options, ringBytes: 2 ** 40 }],
    ['lo', '', { ...options, ringBytes: NaN }],
    ['lo', '', { ...options, onFrames: 'frames' }],
    ['lo', '', { ...options, onError: undefined }],
  ];
  for (const args of bad) {
    try {
      const value = (native.PacketSocket.open as (...a: unknown[]) => unknown)(...args);
      report.unexpected.push({ call: 'PacketSocket.open', outcome: `returned ${String(value)} for ${JSON.stringify(args)}` });
    } catch (err) {
      if (err instanceof TypeError) report.openArgumentErrors.typeErrors++;
      else if (err instanceof RangeError) report.openArgumentErrors.rangeErrors++;
      else report.unexpected.push({ call: 'PacketSocket.open', outcome: String(err) });
    }
  }
  for (const iface of ['pl-none0', '', 'x'.repeat(40)]) {
    await native.PacketSocket.open(iface, '', options).then(
      (s) => (s.close(), report.unexpected.push({ call: 'PacketSocket.open', outcome: `opened '${iface}'` })),
      (err: NodeJS.ErrnoException) => report.openMissingInterface.push(err.code ?? String(err)),
    );
  }
  try {
    new (native.PacketSocket as unknown as new (...a: unknown[]) => unknown)('lo', '', options);
  } catch (err) {
    report.constructorRefused = err instanceof TypeError;
  }
  // All at once, as a scan of many targets opens them; the abandoned ones are left for the GC.
  const later: Promise<PacketSocket>[] = [];
  const settled: Promise<unknown>[] = [];
  for (let i = 0; i < OPENS; i++) {
    const opening = openPacket();
    const fate = random();
    if (fate < 1 / 3) settled.push(opening.then((s) => (report.opened++, s.close())));
    else if (fate < 2 / 3) later.push(opening);
    else settled.push(opening.then(() => report.opened++));
  }
  await Promise.all(settled);
  for (const s of await Promise.all(later)) {
    report.opened++;
    s.close();
  }
  collectGarbage();
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

/**
 * The connect engine's entry: its constructor and start() with arguments of the wrong type, counts and timeouts out
 * of range, and good calls mixed in (to 127.0.0.1 port 9: refused on loopback), in engines closed with attempts
 * still in flight; after close(), start() must throw.
 */
async function fuzzConnectEngine(native: NativeLayer, random: () => number, report: NativeFuzzReport): Promise<void> {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const refused = (label: string, f: () => unknown) => {
    try {
      f();
      report.unexpected.push({ call: label, outcome: 'did not throw' });
    } catch (err) {
      if (err instanceof TypeError || err instanceof RangeError) report.engineArgumentErrors++;
      else report.unexpected.push({ call: label, outcome: String(err) });
    }
  };
  const Engine = native.ConnectEngine as unknown as new (...a: unknown[]) => ConnectEngine;
  for (const args of [[], [() => undefined], [() => undefined, 'onError'], [null, () => undefined], [{}, {}]])
    refused('new ConnectEngine', () => new Engine(...args));
  const ports = new Uint16Array(512).fill(9);
  const ids = Uint32Array.from({ length: 512 }, (_, k) => k);
  const wrong: unknown[] = [undefined, null, 42, 'ports', {}, [9], new Uint8Array(4), new Int32Array(4), new Float64Array(4)];
  const counts = [0, 1, 511, 512, 513, 2 ** 32, -1, 0.5, NaN, Infinity];
  const timeouts = [1, 1000, 3.6e6, 3.6e6 + 1, 0, -1, NaN, Infinity];
  for (let round = 0; round < 20; round++) {
    const engine = new native.ConnectEngine(
      () => undefined,
      (message) => report.unexpected.push({ call: 'ConnectEngine onError', outcome: message }),
    );
    for (let i = 0; i < 50; i++) {
      const args: unknown[] = ['127.0.0.1', ports, ids, pick(counts), pick(timeouts)];
      if (random() < 0.3) args[Math.floor(random() * 5)] = pick(wrong);
      if (random() < 0.1) args[0] = pick(['::1', 'fe80::1%lo', '127.0.0.1%lo', '300.1.1.1', '', 'localhost']);
      const [count, timeoutMs] = [args[3], args[4]];
      const valid =
        (args[0] === '127.0.0.1' || args[0] === '::1' || args[0] === 'fe80::1%lo') &&
        args[1] === ports &&
        args[2] === ids &&
        typeof count === 'number' &&
        Number.isInteger(count) &&
        count >= 0 &&
        count <= 512 &&
        typeof timeoutMs === 'number' &&
        timeoutMs > 0 &&
        timeoutMs <= 3.6e6;
      if (valid) {
        (engine.start as (...a: unknown[]) => void)(...args);
        report.engineStarted++;
      } else refused('ConnectEngine.start', () => (engine.start as (...a: unknown[]) => void)(...args));
    }
    if (round % 2 === 0) await sleep(1);
    engine.close();
    engine.close();
    try {
      engine.start('127.0.0.1', ports, ids, 1, 1000);
      report.closedCallsThrew = false;
    } catch (err) {
      if (!(err instanceof Error) || !/closed/.test(err.message)) report.closedCallsThrew = false;
    }
  }
}

if (require.main === module)
  void fuzzNativeBoundary(parseArgs(process.argv.slice(2))).then((report) => {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    const leaked = report.fds[1] > report.fds[0] || report.threads[1] > report.threads[0];
    const openChecked = report.opened === OPENS && report.constructorRefused && report.openMissingInterface.every((code) => code === 'ENODEV');
    process.exitCode = report.unexpected.length > 0 || !report.closedCallsThrew || leaked || !openChecked ? 1 : 0;
  });
