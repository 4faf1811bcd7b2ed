import { CAP_NET_RAW, hasCapability, type ProcStatus } from '../base/proc-status';
import type { LaunchMethod } from '../helper/launch';
import type { HelperRole } from './helper-session';

/** A running helper as the status bar and its details show it. */
export interface HelperInfo {
  role: HelperRole;
  method: LaunchMethod;
  pid: number;
  /** the user it runs as */
  user: string;
  /** what it may do: all of root's rights, CAP_NET_RAW alone, or nothing beyond the user's */
  privilege: 'root' | 'cap-net-raw' | 'none';
  netns?: string;
  captureDir: string;
}

/** A helper's privilege from its /proc status: root with its capabilities, else CAP_NET_RAW or none. */
export function privilegeOf(status: ProcStatus): HelperInfo['privilege'] {
  if (status.uid === 0 && (status.capEff & ~(1n << BigInt(CAP_NET_RAW))) !== 0n) return 'root';
  return hasCapability(status.capEff, CAP_NET_RAW) ? 'cap-net-raw' : 'none';
}

/** The words of the status bar, given by the caller so that they come translated. */
export interface StatusWords {
  scanHelper(privilege: string): string;
  labHelper(privilege: string): string;
  privilege(p: HelperInfo['privilege'], user: string): string;
}

/**
 * The status bar's text: which helpers run with which privilege, scan helper first, e.g.
 * "PortLab: helper (CAP_NET_RAW, as alice)"; undefined when none runs (the item is then hidden).
 */
export function statusText(helpers: readonly HelperInfo[], words: StatusWords): string | undefined {
  const parts = [...helpers]
    .sort((a, b) => (a.role === b.role ? 0 : a.role === 'scan' ? -1 : 1))
    .map((h) => (h.role === 'lab' ? words.labHelper(words.privilege(h.privilege, h.user)) : words.scanHelper(words.privilege(h.privilege, h.user))));
  return parts.length > 0 ? `PortLab: ${parts.join(' · ')}` : undefined;
}
