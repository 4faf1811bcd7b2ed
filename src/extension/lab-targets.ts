import { CAP_NET_RAW, CAP_SYS_ADMIN, hasCapability, readProcStatus } from '../base/proc-status';
import { namedNetnsExists } from '../base/netns';
import { describedLabIds, readLabDescription, type LabDescriptionWithLink } from '../lab/description-file';
import { hostLinkPresent } from '../lab/host-link';
import { labOfAddress, labTopology } from '../lab/topology';
import { scanRoute, type ScanRoute } from './scan-route';

/** A lab whose target an address is (198.18.N.2) and whose namespaces exist, with how the host reaches it. */
export interface LabTarget {
  id: number;
  scannerNetns: string;
  /** the host namespace has its own link to the target */
  hostLink: boolean;
}

/** The lab whose target `address` is, when that lab is up; undefined for any other address. Needs no root. */
export function labOfTarget(address: string): LabTarget | undefined {
  const topo = labOfAddress(address);
  if (topo?.target.address !== address || !namedNetnsExists(topo.scanner.namespace)) return undefined;
  return { id: topo.id, scannerNetns: topo.scanner.namespace, hostLink: hostLinkPresent(topo) };
}

/**
 * The labs that are up on this machine, whoever started them (root from a terminal, say), with the
 * description `lab up` saved for every user: found by reading files, without a helper or root.
 */
export function labsUp(): LabDescriptionWithLink[] {
  return describedLabIds().flatMap((id) => {
    const description = namedNetnsExists(labTopology(id).target.namespace) ? readLabDescription(id) : undefined;
    return description ? [description] : [];
  });
}

/** The saved description of lab `id` while it is up; undefined when it is down or was started without one. */
export function upLabDescription(id: number): LabDescriptionWithLink | undefined {
  return namedNetnsExists(labTopology(id).target.namespace) ? readLabDescription(id) : undefined;
}

/** Where a scan of `target` runs from this editor (see scanRoute). */
export function routeOfScan(target: string, raw: boolean): { route: ScanRoute; lab?: LabTarget } {
  const lab = labOfTarget(target);
  const capEff = readProcStatus().capEff;
  const route = scanRoute({
    raw,
    entersNamespaces: hasCapability(capEff, CAP_SYS_ADMIN),
    rawHere: hasCapability(capEff, CAP_NET_RAW),
    ...(lab ? { lab } : {}),
  });
  return { route, ...(lab ? { lab } : {}) };
}
