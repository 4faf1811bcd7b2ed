import { type Command, Option } from 'commander';
import { UserError } from '../../base/errors';
import { checkIcmpRatelimit, labDown, labStatus, labUp, parseLabId } from '../../lab';
import { formatLabDescription } from '../../lab/format';
import { runListener } from '../../lab/listener';
import { startZombieResponder } from '../../link';
import type { LabDescription } from '../../protocol';

function print(description: LabDescription, json: boolean): void {
  process.stdout.write(json ? `${JSON.stringify(description, null, 2)}\n` : formatLabDescription(description));
}

function parseMs(text: string): number {
  checkIcmpRatelimit(/^\d+$/.test(text) ? Number(text) : text);
  return Number(text);
}

function parsePortList(text: string): number[] {
  const ports = text.split(',').map((p) => (/^\d+$/.test(p) ? Number(p) : Number.NaN));
  if (ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) throw new UserError(`bad port list '${text}'`);
  return ports;
}

const idOption = () => new Option('--id <N>', 'lab id 0..255: namespaces portlab<N>-*, subnet 198.18.N.0/24').default(0, '0').argParser(parseLabId);

export function register(program: Command): void {
  const lab = program.command('lab').description('the lab sandbox: a scanner and a target namespace with ports in known states');

  lab
    .command('up')
    .description('build the lab (tears down an existing one with the same id first)')
    .addOption(idOption())
    .option('--icmp-ratelimit <MS>', "the target's net.ipv4.icmp_ratelimit in ms (kernel default 1000; 0 = no limit)", parseMs)
    .option('--json', 'print the lab description as JSON')
    .action(async (opts: { id: number; icmpRatelimit?: number; json?: boolean }) => {
      const description = await labUp(opts.id, opts.icmpRatelimit === undefined ? {} : { icmpRatelimitMs: opts.icmpRatelimit });
      print(description, opts.json === true);
    });

  lab
    .command('down')
    .description('remove the lab: its processes, namespaces and files (also after a crash)')
    .addOption(idOption())
    .action(async (opts: { id: number }) => {
      const { removed } = await labDown(opts.id);
      process.stderr.write(removed ? `lab ${opts.id} removed\n` : `lab ${opts.id} was not up\n`);
    });

  lab
    .command('status')
    .description('describe the lab as it is now (addresses, MACs, listeners, firewall rules)')
    .addOption(idOption())
    .option('--json', 'print the lab description as JSON')
    .action(async (opts: { id: number; json?: boolean }) => {
      print(await labStatus(opts.id), opts.json === true);
    });

  // Run by `lab up` inside a lab host's namespace; not for users.
  lab
    .command('listen', { hidden: true })
    .requiredOption('--address <IP>', 'address to listen on (repeatable: every port listens on each)', (a: string, all: string[]) => [...all, a], [])
    .option('--tcp <PORTS>', 'TCP ports to accept on', parsePortList, [])
    .option('--udp-echo <PORTS>', 'UDP ports to echo on', parsePortList, [])
    .action(async (opts: { address: string[]; tcp: number[]; udpEcho: number[] }) => {
      await runListener({ addresses: opts.address, tcp: opts.tcp, udpEcho: opts.udpEcho });
    });

  // Run by `lab up` inside the zombie namespace (the idle scan's zombie); not for users. Runs until SIGTERM.
  lab
    .command('zombie', { hidden: true })
    .requiredOption('--iface <IF>', 'the interface holding both addresses')
    .requiredOption('--address <IP>', 'answered with IP IDs from one global counter (a usable zombie)')
    .option('--random-address <IP>', 'answered with random IP IDs (a zombie nmap refuses)')
    .option('--address6 <IP>', 'answered as an old IPv6 stack: atomic fragments with one global fragment ID counter after a Packet Too Big')
    .action(async (opts: { iface: string; address: string; randomAddress?: string; address6?: string }) => {
      const responder = await startZombieResponder(opts);
      for (const signal of ['SIGTERM', 'SIGINT'] as const)
        process.once(signal, () => {
          responder.close();
          process.exit(0);
        });
    });
}
