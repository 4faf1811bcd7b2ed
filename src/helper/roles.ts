import type { RequestMethod } from '../protocol';

/**
 * A helper's role, fixed at its start. A scan helper scans and discovers and runs confined (only
 * CAP_NET_RAW, see privileges.ts); a lab helper builds and removes the lab sandbox (namespaces, veth,
 * nftables: it keeps root) and serves no scan, so that no client input reaches a packet engine as root.
 */
export type HelperRole = 'scan' | 'lab';

interface RoleMethods {
  methods: readonly RequestMethod[];
  /** why a method of the other role is refused, after its name */
  refusal: string;
}

/** The methods each role serves; a method of the other role is refused with RpcErrorCode.wrongRole. */
export const ROLE_METHODS: Readonly<Record<HelperRole, RoleMethods>> = {
  scan: {
    methods: ['hello', 'interfaces', 'discover', 'scan.start', 'scan.cancel'],
    refusal: 'this helper scans, confined to CAP_NET_RAW; the lab is managed by a helper started with --lab',
  },
  lab: {
    methods: ['hello', 'interfaces', 'lab.up', 'lab.down', 'lab.status'],
    refusal: 'this helper manages the lab sandbox as root and runs no scan; scans go to a helper started without --lab',
  },
};
