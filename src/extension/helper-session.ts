/** The helper roles a window keeps one session of each: the scan helper (confined) and the lab helper (root). */
export type HelperRole = 'scan' | 'lab';

/** What the pool knows of a running session. */
export interface SessionState {
  /** the launch settings it was started with (node, capture directory, elevation, allowed targets, namespace) */
  key: string;
  /** its process has not exited */
  alive: boolean;
  /** it answered `hello` just now */
  answers: boolean;
  /** its hello said it can open raw sockets */
  rawSockets: boolean;
  /** the namespace its hello names now: a helper in a namespace that was deleted and made again names none, or `net:[inode]` */
  netns?: string;
}

export interface SessionWanted {
  key: string;
  raw: boolean;
  netns?: string;
}

/**
 * Whether a request can use the role's session: reused while alive, answering, started with the same
 * settings, able to do what is asked, and still in the namespace asked for; started when there is none;
 * restarted (the old one closed) otherwise, so that a stale helper is never silently used.
 */
export function sessionVerdict(current: SessionState | undefined, wanted: SessionWanted): 'reuse' | 'start' | 'restart' {
  if (!current || !current.alive) return 'start';
  if (!current.answers || current.key !== wanted.key) return 'restart';
  if (wanted.raw && !current.rawSockets) return 'restart';
  if (wanted.netns !== undefined && current.netns !== wanted.netns) return 'restart';
  return 'reuse';
}
