import { readdirSync, readlinkSync } from 'node:fs';

/** What this process's descriptors point at ('socket:[123]', 'anon_inode:[eventpoll]', …), by descriptor. */
export function openFds(): Map<string, string> {
  const fds = new Map<string, string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      fds.set(fd, readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      // closed between the listing and the readlink (the listing's own descriptor)
    }
  }
  return fds;
}

/** Descriptors open now that were not before (other code may close some meanwhile; none may be added). */
export function addedFds(before: Map<string, string>): string[] {
  return [...openFds()].filter(([fd, target]) => before.get(fd) !== target).map(([fd, target]) => `${fd} → ${target}`);
}
