import {
  ICMP_CODE_ADMIN_PROHIBITED,
  ICMP_CODE_PORT_UNREACH,
  ICMP_DEST_UNREACH,
  ICMPV6_CODE_ADMIN_PROHIBITED,
  ICMPV6_CODE_PORT_UNREACH,
  ICMPV6_DEST_UNREACH,
  TCP_ACK,
  TCP_RST,
  TCP_SYN,
} from '../wire';
import type { LabTruth, Technique } from '../protocol';
import { TECHNIQUE_TABLE } from './index';
import type { Answer, PortVerdict, TextbookColumn } from './types';

/** The window of the lab target's SYN/ACK (Linux, 1460-byte MSS on the veth); every Linux RST has window 0. */
const LAB_SYN_ACK_WINDOW = 64240;

/**
 * How a Linux target's TCP answers a segment with `flags` that belongs to no connection (RFC 793,
 * pp. 65-66). A RST is never answered. A segment with ACK draws a RST whose sequence number is that
 * acknowledgement, with no ACK of its own, from a listening port and a closed one alike. Otherwise a
 * listener answers a SYN with SYN/ACK and drops the rest (FIN, NULL, Xmas), and a closed port
 * answers RST/ACK. Undefined when nothing comes back.
 */
function tcpAnswer(flags: number, listening: boolean): Answer | undefined {
  if (flags & TCP_RST) return undefined;
  if (flags & TCP_ACK) return { kind: 'tcp', flags: TCP_RST, window: 0 };
  if (!listening) return { kind: 'tcp', flags: TCP_RST | TCP_ACK, window: 0 };
  return flags & TCP_SYN ? { kind: 'tcp', flags: TCP_SYN | TCP_ACK, window: LAB_SYN_ACK_WINDOW } : undefined;
}

/** The target kernel's port-unreachable, and the firewall's admin-prohibited (nft's `icmpx`), in each IP version. */
function unreachable(ipVersion: 4 | 6, reject: 'port' | 'admin'): Answer {
  if (ipVersion === 6)
    return {
      kind: 'icmp',
      ipVersion,
      type: ICMPV6_DEST_UNREACH,
      code: reject === 'port' ? ICMPV6_CODE_PORT_UNREACH : ICMPV6_CODE_ADMIN_PROHIBITED,
      fromTarget: true,
    };
  return { kind: 'icmp', ipVersion, type: ICMP_DEST_UNREACH, code: reject === 'port' ? ICMP_CODE_PORT_UNREACH : ICMP_CODE_ADMIN_PROHIBITED, fromTarget: true };
}

/**
 * What a lab port of each truth sends back to a technique's probe over IPv4 or IPv6: its TCP as tcpAnswer
 * says, an open UDP service answers, a closed UDP port draws the target kernel's port-unreachable; the lab's
 * firewall drops, or rejects with admin-prohibited from the target itself, or (filtered-syn) drops only the
 * probes that open a connection. Undefined when nothing comes back.
 */
export function labAnswer(technique: Technique, truth: LabTruth, ipVersion: 4 | 6 = 4): Answer | undefined {
  const entry = TECHNIQUE_TABLE[technique];
  if (entry.name === 'idle') {
    // The target answers the zombie, not the scanner, which sees only whether the lab's zombie answered
    // that in turn: it resets every TCP segment but a RST (a SYN/ACK), spending one IP ID.
    const reached = truth === 'open' || truth === 'closed' || (truth === 'filtered-syn' && !dropsConnectionOpening(technique));
    const toZombie = reached ? tcpAnswer(entry.probe.flags, truth !== 'closed') : undefined;
    return { kind: 'ipid', rise: toZombie?.kind === 'tcp' && !(toZombie.flags & TCP_RST) ? 1 : 0, ports: 1 };
  }
  switch (truth) {
    case 'open':
      return entry.protocol === 'udp' ? { kind: 'udp' } : tcpAnswer(entry.probe.flags, true);
    case 'closed':
      return entry.protocol === 'tcp' ? tcpAnswer(entry.probe.flags, false) : unreachable(ipVersion, 'port');
    case 'filtered-drop':
      return undefined;
    case 'filtered-reject':
      // the lab's nftables rule `reject with icmpx admin-prohibited`
      return unreachable(ipVersion, 'admin');
    case 'filtered-syn':
      // a stateless rule drops connection openings; every other segment reaches the listener
      return dropsConnectionOpening(technique) ? undefined : labAnswer(technique, 'open', ipVersion);
  }
}

/** The lab's SYN-only rule (filtered-syn) drops the probe: it opens a connection (SYN without ACK). */
function dropsConnectionOpening(technique: Technique): boolean {
  const entry = TECHNIQUE_TABLE[technique];
  return entry.protocol === 'tcp' && (entry.probe.flags & (TCP_SYN | TCP_ACK)) === TCP_SYN;
}

/**
 * The textbook column a lab port of this truth stands in for `technique`'s probe: a listener behind the
 * SYN-only rule is filtered to probes that open a connection and open to every other probe.
 */
export function labTextbookColumn(technique: Technique, truth: LabTruth): TextbookColumn {
  switch (truth) {
    case 'open':
    case 'closed':
      return truth;
    case 'filtered-drop':
    case 'filtered-reject':
      return 'filtered';
    case 'filtered-syn':
      return dropsConnectionOpening(technique) ? 'filtered' : 'open';
  }
}

/** The state and reason a correct scan with `technique` gives a lab port of this truth, by the technique table. */
export function expectedLabVerdict(technique: Technique, truth: LabTruth, ipVersion: 4 | 6 = 4): PortVerdict {
  const entry = TECHNIQUE_TABLE[technique];
  const answer = labAnswer(technique, truth, ipVersion);
  return (answer && entry.classify(answer)) ?? entry.noResponse;
}
