import { type Command, Option } from 'commander';
import { UserError } from '../../base/errors';
import { parseSourceIps } from '../../wire/source-ips';
import { addNmapOutputOptions } from '../../output/nmap-flags';
import type { ScanOptions } from '../scan-run';

/** `-sS -sU`, `-sSU` and `-s S` all work; the letters are nmap's. */

function positiveNumber(name: string, max: number, integer: boolean) {
  return (text: string): number => {
    const n = Number(text);
    if (!/^\d+(\.\d+)?$/.test(text) || !(n > 0 || (integer && n === 0)) || n > max || (integer && !Number.isInteger(n)))
      throw new UserError(`bad ${name} "${text}": expected ${integer ? 'an integer' : 'a number'} up to ${max}`);
    return n;
  };
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function register(program: Command): void {
  const scan = program
    .command('scan')
    .description(
      'scan ports of lab targets like nmap: -sT connect, -sS SYN, -sX Xmas, -sF FIN, -sN NULL, -sU UDP, -sA ACK, -sW Window, -sM Maimon, -sI ZOMBIE[:PROBEPORT] idle',
    )
    .argument('<targets...>', 'IPv4 or IPv6 addresses or host names (lab ranges only unless --allow-target)')
    .option('-6, --ipv6', 'scan over IPv6: host names resolve to their IPv6 (AAAA) address; IPv6 addresses need no -6')
    .option('-p, --ports <list>', 'ports: 22, 22-29, 7,53-87, T:22,U:53, or - for all 65535', '1-1024')
    .option('-s, --scan <letters>', 'techniques by nmap letter, repeatable (-sS -sU or -sSU); default -sS with CAP_NET_RAW, else -sT', collect, [])
    .option('--json', 'print one JSON document (every port × technique) on stdout')
    .option('--out <dir>', 'write <dir>/results.json and <dir>/<technique>.pcap')
    .option('-e, --iface <name>', 'outgoing interface (default: from the routing table)')
    .addOption(new Option('--rate <pps>', 'maximum packets per second').argParser(positiveNumber('--rate', 10_000_000, false)))
    .addOption(
      new Option('--max-retries <n>', 'retransmissions of an unanswered probe (default 1 for TCP, 3 for UDP)').argParser(
        positiveNumber('--max-retries', 15, true),
      ),
    )
    .addOption(
      new Option(
        '--source-ips <range>',
        'send raw probes from these unused addresses of the local subnet (198.18.5.100-107, a CIDR, comma-separated); ARP is answered for them',
      ).argParser(parseSourceIps),
    )
    .option('--allow-target <cidr>', 'also allow targets in this CIDR (repeatable)', collect, [])
    // -sI ZOMBIE[:PROBEPORT] arrives as -sI --zombie ZOMBIE (expandIdleZombie)
    .addOption(new Option('--zombie <host[:port]>').hideHelp());
  // The scan itself (engine, helper client, outputs) is loaded only when a scan runs: see src/cli/scan-run.ts.
  addNmapOutputOptions(scan).action(async (targets: string[], opts: ScanOptions) => (await import('../scan-run')).scanAction(targets, opts));
}
