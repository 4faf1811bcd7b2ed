import { ARP_OP_REQUEST, BROADCAST_MAC, decodeFrame, encodeArp, encodeEthernet, ETHERTYPE_ARP, ZERO_MAC } from '../wire';
import { UserError } from '../base/errors';
import { checkSourceIps } from '../wire/source-ips';
import { LiveCapture } from './capture';
import { findRoute, ipv4AddressesOf } from './route';

/** RFC 5227 sends 3 probes 1–2 s apart; on a LAN segment a few hundred ms bound the wait well enough. */
const PROBES = 3;
const PROBE_INTERVAL_MS = 100;
const ANSWER_WAIT_MS = 300;

/**
 * Makes sure the scan may use `sources` (--source-ips) towards every target: the targets leave by one
 * Ethernet interface, each source is on its subnet and not its own, network or broadcast address, and
 * no host answers an ARP probe for it (RFC 5227: sender address 0.0.0.0, so no host learns a mapping
 * from the question). Throws a UserError naming the first address refused.
 */
export async function claimSourceAddresses(targets: readonly string[], ifaceOverride: string | undefined, sources: readonly string[]): Promise<void> {
  // ARP answers for the sources: IPv6 would need neighbour advertisements, and IPv4 sources cannot probe an IPv6 target
  const v6 = targets.find((t) => t.includes(':'));
  if (v6 !== undefined) throw new UserError(`--source-ips works with IPv4 targets only, not ${v6}`);
  const routes = targets.map((t) => findRoute(t, ifaceOverride));
  const route = routes[0]!;
  if (routes.some((r) => r.loopback)) throw new UserError('--source-ips needs targets reached over Ethernet, not this host itself');
  const other = routes.find((r) => r.iface !== route.iface);
  if (other)
    throw new UserError(
      `--source-ips needs every target behind one interface; ${targets[routes.indexOf(other)]} is reached by ${other.iface}, ${targets[0]} by ${route.iface}`,
    );
  checkSourceIps(sources, route.iface, ipv4AddressesOf(route.iface));

  const wanted = new Set(sources);
  const owners = new Map<string, string>();
  const capture = await LiveCapture.open(route.iface, 'arp', (frame) => {
    const arp = decodeFrame(frame)?.arp;
    // A reply, or another host's own announcement: either way the address has an owner.
    if (arp && arp.senderMac !== route.srcMac && wanted.has(arp.senderIp) && !owners.has(arp.senderIp)) owners.set(arp.senderIp, arp.senderMac);
  });
  try {
    for (let round = 0; round < PROBES && owners.size === 0; round++) {
      for (const targetIp of sources) {
        const probe = encodeArp({ op: ARP_OP_REQUEST, senderMac: route.srcMac, senderIp: '0.0.0.0', targetMac: ZERO_MAC, targetIp });
        capture.send(encodeEthernet(BROADCAST_MAC, route.srcMac, ETHERTYPE_ARP, probe));
      }
      await new Promise((r) => setTimeout(r, round === PROBES - 1 ? ANSWER_WAIT_MS : PROBE_INTERVAL_MS));
    }
  } finally {
    capture.close();
  }
  const taken = sources.find((s) => owners.has(s));
  if (taken) throw new UserError(`--source-ips: ${taken} is in use by ${owners.get(taken)}`);
}
