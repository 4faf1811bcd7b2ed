import { existsSync, readdirSync, statSync } from 'node:fs';

/** Where `ip netns add` keeps the namespaces it names. */
const NAMED_NETNS_DIR = '/run/netns';

/**
 * The network namespace this process runs in, as `ip netns identify` names it; `net:[inode]` for a
 * namespace with no name there (it cannot be entered again by name); undefined in the host's own
 * namespace, or when that cannot be told (no permission to look at PID 1's).
 */
export function currentNetns(): string | undefined {
  let self;
  try {
    self = statSync('/proc/self/ns/net');
  } catch {
    return undefined;
  }
  try {
    const named = readdirSync(NAMED_NETNS_DIR).find((name) => {
      const ns = statSync(`${NAMED_NETNS_DIR}/${name}`);
      return ns.ino === self.ino && ns.dev === self.dev;
    });
    if (named) return named;
  } catch {
    // no named namespaces on this host
  }
  try {
    const host = statSync('/proc/1/ns/net');
    return host.ino === self.ino && host.dev === self.dev ? undefined : `net:[${self.ino}]`;
  } catch {
    return undefined;
  }
}

/** Whether a namespace named by `ip netns add` still exists. */
export function namedNetnsExists(name: string): boolean {
  return /^[\w.-]+$/.test(name) && existsSync(`${NAMED_NETNS_DIR}/${name}`);
}
