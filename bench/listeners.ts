import { runListener, type ListenerOptions } from '../src/lab/listener';

/**
 * Every open port of every benchmark host, in one process inside the target namespace. Prints
 * "ready" once all sockets listen; lives until the benchmark sends SIGTERM.
 */
async function main(): Promise<void> {
  const hosts = JSON.parse(process.argv[2] ?? '[]') as ListenerOptions[];
  process.on('SIGTERM', () => process.exit(0));
  await Promise.all(hosts.map((h) => runListener(h)));
  process.stdout.write('ready\n');
}

void main();
