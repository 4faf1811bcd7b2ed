/** Where a scan of one target runs: in the extension host itself, or in a helper (raw sockets, a namespace). */
export type ScanRoute = { kind: 'in-process' } | { kind: 'helper'; raw: boolean; netns?: string };

export interface ScanRouteFacts {
  /** a technique other than connect */
  raw: boolean;
  /** the lab whose target is scanned, when it is one: its scanner namespace and whether the host link is up */
  lab?: { scannerNetns: string; hostLink: boolean };
  /** this process may enter a namespace (CAP_SYS_ADMIN): the editor runs as root */
  entersNamespaces: boolean;
  /** this process holds CAP_NET_RAW, so a connect scan run by a helper also captures its packets */
  rawHere: boolean;
}

/**
 * A lab target is scanned from its scanner namespace, as the lab intends, when that costs nothing (the
 * editor runs as root) or when the lab has no host link; otherwise from the host namespace over the
 * host link, as a student's VM scans the victim's. A connect scan that cannot capture anyway (this process
 * lacks CAP_NET_RAW) needs no helper at all; raw techniques go to the scan helper.
 */
export function scanRoute(facts: ScanRouteFacts): ScanRoute {
  if (facts.lab && (facts.entersNamespaces || !facts.lab.hostLink)) return { kind: 'helper', raw: facts.raw, netns: facts.lab.scannerNetns };
  if (!facts.raw && !facts.rawHere) return { kind: 'in-process' };
  return { kind: 'helper', raw: facts.raw };
}
