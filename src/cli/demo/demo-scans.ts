import { join } from 'node:path';
import { isIPv6 } from 'node:net';
import { protocolOf, TECHNIQUES, type LabDescription, type LabHost, type LabHostRole, type LabPort, type Technique } from '../../protocol';
import { NMAP_FLAG, TECHNIQUE_TABLE } from '../../technique';
import { canonicalIpv6 } from '../../wire';

/** One scan of the demo: a host of the lab, the techniques that teach its lesson, and the `--out` folder it writes. */
export interface DemoScan {
  /** the heading printed above its output */
  title: string;
  /** one line on what the scan shows or leaves out */
  note: string;
  /** the address scanned */
  target: string;
  techniques: Technique[];
  /** the host's ports as nmap's `-p` with T:/U: qualifiers, only of the protocols the techniques use */
  ports: string;
  /** the zombie of the techniques that send in its name */
  zombie?: string;
  /** the scan's `--out` folder, in the spelling the demo was given */
  out: string;
}

/** Techniques whose probes go out in a zombie's name (the table's idle entry). */
function viaZombie(technique: Technique): boolean {
  return 'zombieProbe' in TECHNIQUE_TABLE[technique];
}

function hostOf(lab: LabDescription, role: LabHostRole): LabHost {
  const host = lab.hosts.find((h) => h.role === role);
  if (!host) throw new Error(`lab ${lab.id} describes no ${role}`);
  return host;
}

/** Whether a service of the lab answers on `address`: the zombie's responder lists the addresses it serves. */
function served(lab: LabDescription, address: string): boolean {
  const key = (a: string) => (isIPv6(a) ? canonicalIpv6(a) : a);
  return lab.listeners.some((l) => l.addresses?.some((a) => key(a) === key(address)));
}

function portSpec(ports: readonly LabPort[], techniques: readonly Technique[]): string {
  const used = new Set(techniques.map(protocolOf));
  const lists = (['tcp', 'udp'] as const).map((protocol) => ({
    letter: protocol === 'tcp' ? 'T' : 'U',
    ports: used.has(protocol) ? ports.filter((p) => p.protocol === protocol).map((p) => p.port) : [],
  }));
  return lists
    .filter((l) => l.ports.length > 0)
    .map((l) => `${l.letter}:${l.ports.join(',')}`)
    .join(',');
}

/**
 * The demo's three scans of a lab that is up, each into its own folder (nmap takes one address family per
 * run, and each folder gets its own report): every technique against the IPv4 target; the TCP techniques
 * against the host behind the stateless firewall, where SYN and ACK scans disagree; and every technique
 * against the target's IPv6 address, the zombie's only when the lab's zombie answers on its IPv6 address.
 * The ports are the ones the lab describes.
 */
export function demoScans(lab: LabDescription, out: string): DemoScan[] {
  const target = hostOf(lab, 'target');
  const stateless = hostOf(lab, 'stateless');
  const zombie = hostOf(lab, 'zombie');
  if (target.address6 === undefined) throw new Error(`lab ${lab.id} describes no IPv6 address of the target`);
  const statelessPorts = stateless.ports ?? [];
  const direct = TECHNIQUES.filter((t) => !viaZombie(t));
  const tcp = direct.filter((t) => protocolOf(t) === 'tcp');
  const synOnlyRule = statelessPorts.filter((p) => p.truth === 'filtered-syn').map((p) => p.port);
  const zombieTechniques = TECHNIQUES.filter(viaZombie).map((t) => `${t} (-s${NMAP_FLAG[t]})`);
  const zombie6 = zombie.address6 !== undefined && served(lab, zombie.address6) ? zombie.address6 : undefined;
  const ipv6Techniques = zombie6 === undefined ? direct : [...TECHNIQUES];
  return [
    {
      title: `IPv4 target ${target.address}: every technique`,
      note: `${zombieTechniques.join(', ')} sends its SYNs in the name of the lab's zombie ${zombie.address}`,
      target: target.address,
      techniques: [...TECHNIQUES],
      ports: portSpec(lab.ports, TECHNIQUES),
      zombie: zombie.address,
      out,
    },
    {
      title: `Stateless host ${stateless.address}: the TCP techniques`,
      note: `its firewall keeps no connection state and drops only SYN without ACK on ${synOnlyRule.join(', ')}: a SYN scan sees filtered there, an ACK scan unfiltered`,
      target: stateless.address,
      techniques: tcp,
      ports: portSpec(statelessPorts, tcp),
      out: join(out, 'stateless'),
    },
    {
      title: `IPv6 target ${target.address6}: every technique${zombie6 === undefined ? ` but ${zombieTechniques.join(', ')}` : ''}`,
      note:
        zombie6 === undefined
          ? `${zombieTechniques.join(', ')} is not run over IPv6: the lab's zombie answers over IPv4 only`
          : `${zombieTechniques.join(', ')} sends its SYNs in the name of the lab's zombie ${zombie6}`,
      target: target.address6,
      techniques: ipv6Techniques,
      ports: portSpec(lab.ports, ipv6Techniques),
      ...(zombie6 === undefined ? {} : { zombie: zombie6 }),
      out: join(out, 'ipv6'),
    },
  ];
}

/**
 * The UDP scan last: its closed ports spend the target's ICMP budget (six errors, one more a second), and the TCP
 * techniques after it, which read silence and an ICMP error alike as filtered and so do not wait for that budget
 * (nor does nmap), would find the rejected ports silent: "no-response" where the lab's rule says admin-prohibited.
 */
function udpLast(techniques: readonly Technique[]): Technique[] {
  return [...techniques.filter((t) => protocolOf(t) !== 'udp'), ...techniques.filter((t) => protocolOf(t) === 'udp')];
}

/** The `portlab` arguments that run one of the demo's scans, nmap's `-s` letters from the table. */
export function demoScanArgs(scan: DemoScan): string[] {
  const flags = udpLast(scan.techniques).flatMap((t) => {
    const flag = `-s${NMAP_FLAG[t]}`;
    if (!viaZombie(t)) return [flag];
    if (scan.zombie === undefined) throw new Error(`the demo's scan of ${scan.target} has ${t} but no zombie`);
    return [flag, scan.zombie];
  });
  return ['scan', scan.target, '-p', scan.ports, ...flags, '--out', scan.out];
}
