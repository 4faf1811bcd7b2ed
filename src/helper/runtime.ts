import { basename } from 'node:path';

/**
 * What runs PortLab's CLI (the helper, the checker, the askpass program): a Node.js binary, or the
 * editor's own Electron (VS Code desktop), which runs a script as plain Node.js when RUN_AS_NODE is
 * set in its environment. The native layer is built on Node-API, so either loads it.
 */
export interface NodeRuntime {
  path: string;
  /** path is Electron: it must be started with RUN_AS_NODE=1 */
  runAsNode: boolean;
}

const RUN_AS_NODE = 'ELECTRON_RUN_AS_NODE';

/** The runtime of this very process: no Node.js beyond the one already running is needed. */
export function ownRuntime(): NodeRuntime {
  return { path: process.execPath, runAsNode: Boolean(process.versions.electron) };
}

/**
 * The words that start `runtime` as Node.js. sudo (env_reset) and pkexec start programs with an
 * environment of their own, so RUN_AS_NODE is set by `env`, part of the command line they run.
 */
export function runtimeCommand(runtime: NodeRuntime, envProgram: string): string[] {
  return runtime.runAsNode ? [envProgram, `${RUN_AS_NODE}=1`, runtime.path] : [runtime.path];
}

/** The program a command line from runtimeCommand starts: past `env NAME=VALUE…` when there is one. */
export function startedProgram(command: readonly string[]): string | undefined {
  let i = command[0] !== undefined && basename(command[0]) === 'env' ? 1 : 0;
  while (command[i]?.includes('=')) i++;
  return command[i];
}

/** This process's environment with what `runtime` needs to run as Node.js. */
export function runtimeEnv(runtime: NodeRuntime, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return runtime.runAsNode ? { ...base, [RUN_AS_NODE]: '1' } : base;
}
