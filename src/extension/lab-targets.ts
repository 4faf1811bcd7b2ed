import { statSync } from 'node:fs';
import { CAP_NET_RAW, CAP_SYS_ADMIN, hasCapability, readProcStatus } from '../base/proc-status';
import { namedNetnsExists } from '../base/netns';
import { describedLabIds, readLabDescription } from '../lab/description-file';
import type { LabDescription } from '../protocol';
import { hostLinkPresent } from '../lab/host-link';
import { labRunFile } from '../lab/state';
import { labEndOf, labOfAddress, labTopology } from '../lab/topology';
import { scanRoute, type ScanRoute } from './scan-route';

/** A lab whose target an address is (198.18.N.2 or 2001:2:0:N::2) and whose namespaces exist, with how the host reaches it. */
interface LabTarget {
  id: number;
  scannerNetns: string;
  /** the host namespace has its own link to the target's address: IPv4 only, so never for its IPv6 address */
  hostLink: boolean;
}

/** The lab whose target `address` is, when that lab is up; undefined for any other address. Needs no root. */
export function labOfTarget(address: string): LabTarget | undefined {
  const topo = labOfAddress(address);
  if (!topo || labEndOf(topo, address)?.role !== 'target' || !namedNetnsExists(topo.scanner.namespace)) return undefined;
  // From the host namespace the lab's IPv6 addresses would follow the host's own default route, off the machine.
  return { id: topo.id, scannerNetns: topo.scanner.namespace, hostLink: address === topo.target.address && hostLinkPresent(topo) };
}

/** A lab's saved description as last read, and which version of its file that was. */
export interface SavedLabDescription {
  /** changes whenever `lab up` writes the file again (it renames a new file over the old one) */
  stamp: string;
  /** undefined when the file does not parse */
  description: LabDescription | undefined;
}

const savedDescriptions = new Map<number, SavedLabDescription>();

/** The saved description of lab `id`: one stat, and the file read and checked again only when it changed. */
function savedDescription(id: number): SavedLabDescription | undefined {
  let stamp: string;
  try {
    const stat = statSync(labRunFile(id, '.description.json'));
    stamp = `${stat.ino}:${stat.mtimeMs}:${stat.size}`;
  } catch {
    savedDescriptions.delete(id);
    return undefined;
  }
  const known = savedDescriptions.get(id);
  if (known?.stamp === stamp) return known;
  const fresh = { stamp, description: readLabDescription(id) };
  savedDescriptions.set(id, fresh);
  return fresh;
}

/** Lab `id`'s saved description while the lab is up, with its file's stamp; undefined when it is down or has no file. */
export function upLabSavedDescription(id: number): SavedLabDescription | undefined {
  return namedNetnsExists(labTopology(id).target.namespace) ? savedDescription(id) : undefined;
}

/** The saved description of lab `id` while it is up; undefined when it is down or was started without one. */
export function upLabDescription(id: number): LabDescription | undefined {
  return upLabSavedDescription(id)?.description;
}

/**
 * The labs that are up on this machine, whoever started them (root from a terminal, say), with the
 * description `lab up` saved for every user: found by reading files, without a helper or root.
 */
export function labsUp(): LabDescription[] {
  return describedLabIds().flatMap((id) => upLabDescription(id) ?? []);
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
