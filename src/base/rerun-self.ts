import { spawn } from 'node:child_process';

/** How the command run again ended: its exit code or signal, or the error that kept it from starting. */
export type RerunStatus = { code: number | null; signal: NodeJS.Signals | null } | { error: Error };

/**
 * Runs this very process's command line again behind `wrapper` (`file ...args -- node ... argv`), with
 * stdio passed through and `env`, forwards SIGTERM, SIGINT and SIGHUP to it while it runs, and resolves
 * with how it ended (the forwarding is undone first).
 */
export async function rerunSelf(file: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<RerunStatus> {
  const child = spawn(file, [...args, process.execPath, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];
  for (const s of signals) process.on(s, forward);
  try {
    return await new Promise<RerunStatus>((resolve) => {
      child.once('error', (error) => resolve({ error }));
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
  } finally {
    for (const s of signals) process.off(s, forward);
  }
}
