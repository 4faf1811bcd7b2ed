import { statSync } from 'node:fs';
import { CAP_NET_RAW, CAP_SYS_ADMIN, hasCapability, readProcStatus } from '../base/proc-status';
import { namedNetnsExists } from '../base/netns';
import { describedLabIds, readLabDescription } from '../lab/description-file';
import type { LabDescription, LabHostRole } from '../protocol';
import { hostLinkPresent } from '../lab/host-link';
import { labRunFile } from '../lab/state';
import { labEndOf, labOfAddress, labTopology } from '../lab/topology';
import { scanRoute, type ScanRoute } from './scan-route';
import { canonicalAddress } from '../engine/scope';

/**
 * The lab hosts a student scans: the target, and the host behind the stateless firewall (the ACK scan's
 * lesson). The zombie only lends its IP IDs to an idle scan, and the scanner is where scans run from.
 */
const SCANNED_ROLES: ReadonlySet<LabHostRole> = new Set(['target', 'stateless']);

/** A lab one of whose scanned hosts an address is (198.18.N.2 or .3, 2001:2:0:N::2 or ::3) and whose namespaces exist, with how the host reaches it. */
interface LabTarget {
  id: number;
  scannerNetns: string;
  /** the host namespace has its own link to this address: the target's IPv4 address only */
  hostLink: boolean;
}

/** Which host of which lab `address` belongs to, from the lab's addresses alone (up or down); undefined for any other address. */
export function labRoleOf(address: string): { id: number; role: LabHostRole } | undefined {
  const topo = labOfAddress(address);
  const end = topo && labEndOf(topo, address);
  return topo && end ? { id: topo.id, role: end.role } : undefined;
}

/** The lab one of whose scanned hosts `address` is, when that lab is up; undefined for any other address. Needs no root. */
export function labOfTarget(address: string): LabTarget | undefined {
  const topo = labOfAddress(address);
  const role = topo && labEndOf(topo, address)?.role;
  if (!topo || !role || !SCANNED_ROLES.has(role) || !namedNetnsExists(topo.scanner.namespace)) return undefined;
  // The host link routes the target's IPv4 address alone: from the host namespace any other lab address
  // (the stateless host's, every IPv6 one) would follow the host's own routes, off the machine.
  return { id: topo.id, scannerNetns: topo.scanner.namespace, hostLink: address === topo.target.address && hostLinkPresent(topo) };
}

/**
 * The addresses of lab `lab` the Targets tree lists, in the order it lists them: the target's IPv4 address
 * (the one offered first), its IPv6 address, and the stateless host's IPv4 address; an older description
 * lists what it has.
 */
export function labTreeTargets(lab: LabDescription): string[] {
  const host = (role: LabHostRole) => lab.hosts.find((h) => h.role === role);
  return [host('target')?.address, host('target')?.address6, host('stateless')?.address].flatMap((a) => {
    const address = a === undefined ? undefined : canonicalAddress(a);
    return address === undefined ? [] : [address];
  });
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
