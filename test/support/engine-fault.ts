import { closeSync, openSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';

/**
 * A real failure of the connect engine's thread, made from outside the addon: its epoll descriptor is closed and
 * /dev/null opened in its place (the lowest free number is the one just closed). The epoll_wait the thread sleeps
 * in holds the epoll file until it returns; its next epoll_wait (or epoll_ctl) meets /dev/null and fails with
 * EINVAL. The engine still owns the number: its close() closes the /dev/null.
 */

/**
 * The epoll descriptors of connect engines in this process: native/connect_engine.cc registers its wake eventfd
 * with data ~0, which libuv's epoll (data = the descriptor) never uses.
 */
export function engineEpollFds(): number[] {
  const found: number[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) !== 'anon_inode:[eventpoll]') continue;
      if (/data:\s*ffffffffffffffff\b/.test(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))) found.push(Number(fd));
    } catch {
      // closed between the listing and the read
    }
  }
  return found;
}

/** Swaps the engine's epoll descriptor `fd` for /dev/null; throws if another thread took the number in between. */
export function breakEngineEpoll(fd: number): void {
  closeSync(fd);
  const devNull = openSync('/dev/null', 'r');
  if (devNull !== fd) {
    closeSync(devNull);
    throw new Error(`descriptor ${fd} was taken by someone else before /dev/null (got ${devNull}): rerun`);
  }
}

/** Names of this process's native threads (pl-connect, pl-recv, pl-send…) alive now. */
export function nativeThreads(): string[] {
  const names: string[] = [];
  for (const task of readdirSync('/proc/self/task')) {
    try {
      const name = readFileSync(`/proc/self/task/${task}/comm`, 'utf8').trim();
      if (name.startsWith('pl-')) names.push(name);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return names.sort();
}
