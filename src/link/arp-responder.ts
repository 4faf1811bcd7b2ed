import { ARP_OP_REPLY, ARP_OP_REQUEST, decodeFrame, encodeArp, encodeEthernet, ETHERTYPE_ARP } from '../wire';

/** The EtherType bytes alone: the capture callback sees every probe's answer, and most are not ARP. */
export function isArpFrame(frame: Uint8Array): boolean {
  return frame.length >= 14 && frame[12] === ETHERTYPE_ARP >> 8 && frame[13] === (ETHERTYPE_ARP & 0xff);
}

/**
 * Answers "who has X?" for source addresses this host's kernel does not own (--source-ips), with the
 * interface's MAC, as masscan does for --source-ip: without it the target could not send its answers
 * (UDP replies, ICMP errors, SYN/ACKs) back to those sources.
 */
export class ArpResponder {
  private readonly addresses: Set<string>;

  constructor(
    private readonly mac: string,
    addresses: readonly string[],
    /** whose questions to answer: the next hop towards the target */
    private readonly asker: string,
    private readonly send: (frame: Uint8Array) => void,
  ) {
    this.addresses = new Set(addresses);
  }

  onArp(frame: Uint8Array): void {
    const arp = decodeFrame(frame)?.arp;
    if (!arp || arp.op !== ARP_OP_REQUEST || arp.senderIp !== this.asker || !this.addresses.has(arp.targetIp)) return;
    const reply = encodeArp({ op: ARP_OP_REPLY, senderMac: this.mac, senderIp: arp.targetIp, targetMac: arp.senderMac, targetIp: arp.senderIp });
    this.send(encodeEthernet(arp.senderMac, this.mac, ETHERTYPE_ARP, reply));
  }
}
