import { ICMP_CODE_ADMIN_PROHIBITED, ICMP_CODE_PORT_UNREACH, ICMP_DEST_UNREACH, TCP_ACK, TCP_RST, TCP_SYN } from '../wire';
import type { LabTruth, Technique } from '../protocol';
import { TECHNIQUE_TABLE } from './index';
import type { Answer, PortVerdict } from './types';

/**
 * What a lab port of each truth sends back to a technique's probe. An open TCP port answers a SYN with
 * SYN/ACK and drops a segment without SYN, RST or ACK (RFC 793, p. 65: the FIN, NULL and Xmas probes),
 * an open UDP service answers; a closed TCP port resets, a closed UDP port draws the target kernel's
 * port-unreachable; the lab's firewall drops, or rejects with admin-prohibited from the target itself.
 * Undefined when nothing comes back.
 */
export function labAnswer(technique: Technique, truth: LabTruth): Answer | undefined {
  const entry = TECHNIQUE_TABLE[technique];
  switch (truth) {
    case 'open':
      if (entry.protocol === 'udp') return { kind: 'udp' };
      return entry.probe.flags & TCP_SYN ? { kind: 'tcp', flags: TCP_SYN | TCP_ACK } : undefined;
    case 'closed':
      return entry.protocol === 'tcp'
        ? { kind: 'tcp', flags: TCP_RST | TCP_ACK }
        : { kind: 'icmp', type: ICMP_DEST_UNREACH, code: ICMP_CODE_PORT_UNREACH, fromTarget: true };
    case 'filtered-drop':
      return undefined;
    case 'filtered-reject':
      // the lab's nftables rule `reject with icmp admin-prohibited`
      return { kind: 'icmp', type: ICMP_DEST_UNREACH, code: ICMP_CODE_ADMIN_PROHIBITED, fromTarget: true };
  }
}

/** The state and reason a correct scan with `technique` gives a lab port of this truth, by the technique table. */
export function expectedLabVerdict(technique: Technique, truth: LabTruth): PortVerdict {
  const entry = TECHNIQUE_TABLE[technique];
  const answer = labAnswer(technique, truth);
  return (answer && entry.classify(answer)) ?? entry.noResponse;
}
