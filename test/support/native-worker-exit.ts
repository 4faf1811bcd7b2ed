/**
 * Opens a connect engine (and, as root, a packet socket on lo) in a worker thread that then ends without close():
 * argv[2] 'terminate' (the parent ends it) or 'exit' (it calls process.exit()). Prints one JSON line: the native
 * threads alive while it was open and, polled up to 2 s, after it ended. A crash of the addon ends this process.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { nativeThreads } from './engine-fault';

const addon = join(__dirname, '..', '..', 'build', 'Release', 'portlab_native.node');
const how = process.argv[2] === 'exit' ? 'exit' : 'terminate';
const withPacketSocket = process.getuid?.() === 0;
const code = `
const native = require(${JSON.stringify(addon)});
const { parentPort } = require('node:worker_threads');
const engine = new native.ConnectEngine(() => {}, () => {});
const opened = ${withPacketSocket} ? native.PacketSocket.open('lo', 'ether proto 0x88b5', { snaplen: 128, ringBytes: 1 << 18, onFrames() {}, onError() {} }) : Promise.resolve();
opened.then(() => {
  parentPort.postMessage('open');
  if (${how === 'exit'}) parentPort.once('message', () => process.exit(0));
});
`;
const worker = new Worker(code, { eval: true });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
worker.once('message', async () => {
  // A thread names itself once running: wait (bounded) for the names to show.
  const expected = withPacketSocket ? ['pl-connect', 'pl-recv'] : ['pl-connect'];
  let whileOpen = nativeThreads();
  for (let waited = 0; !expected.every((name) => whileOpen.includes(name)) && waited < 2000; waited += 10) {
    await sleep(10);
    whileOpen = nativeThreads();
  }
  const ended = new Promise((resolve) => worker.once('exit', resolve));
  if (how === 'exit') worker.postMessage('exit');
  else void worker.terminate();
  void ended.then(async () => {
    let after = nativeThreads();
    for (let waited = 0; after.length > 0 && waited < 2000; waited += 20) {
      await sleep(20);
      after = nativeThreads();
    }
    process.stdout.write(`${JSON.stringify({ whileOpen, after, withPacketSocket })}\n`);
    process.exit(0);
  });
});
