import { readdirSync, statSync } from 'node:fs';

/** The name under /run/netns of the namespace this process runs in (what `ip netns identify` prints). */
export function currentNetns(): string | undefined {
  try {
    const self = statSync('/proc/self/ns/net');
    return readdirSync('/run/netns').find((name) => {
      const ns = statSync(`/run/netns/${name}`);
      return ns.ino === self.ino && ns.dev === self.dev;
    });
  } catch {
    return undefined;
  }
}
