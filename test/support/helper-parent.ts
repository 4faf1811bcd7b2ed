/**
 * A client process that starts the helper in a lab's scanner namespace, starts a long SYN scan and then
 * just waits: the fault test kills this process to check that the helper follows its parent out.
 * argv: <cli.js> <scanner namespace> <capture dir> <target>. Prints one JSON line once the scan runs.
 */
import { startHelper } from '../../src/helper/client';

async function main(): Promise<void> {
  const [cliPath, netns, captureDir, target] = process.argv.slice(2);
  if (!cliPath || !netns || !captureDir || !target) throw new Error('usage: helper-parent <cli.js> <netns> <captureDir> <target>');
  const client = await startHelper({ cliPath, captureDir, netns });
  const scan = await client.scan({ targets: [target], ports: '1-65535', techniques: ['syn'], rate: 3000 }).started;
  process.stdout.write(`${JSON.stringify({ helperPid: client.child.pid, ...scan })}\n`);
  // Bounded: whoever runs this kills it long before; if not, it leaves on its own.
  setTimeout(() => void client.close().then(() => process.exit(0)), 60_000);
}

main().catch((err: unknown) => {
  process.stderr.write(`helper-parent: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
