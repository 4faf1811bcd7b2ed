import type { Command } from 'commander';

/** Each subcommand module exports `register(program)`; add it here to make it part of `portlab`. */
export type RegisterCommand = (program: Command) => void;

/**
 * The subcommands by name, in the order the help lists them. A command's module is loaded only when that
 * command runs (all of them for the overall help): the bundle is one file, and esbuild defers the body of a
 * module reached only through import(), so `portlab --version` evaluates none of them.
 */
export const commands: Record<string, () => Promise<RegisterCommand>> = {
  lab: async () => (await import('./lab')).register,
  discover: async () => (await import('./discover')).register,
  scan: async () => (await import('./scan')).register,
  report: async () => (await import('./report')).register,
  helper: async () => (await import('./helper')).register,
  demo: async () => (await import('./demo')).register,
  check: async () => (await import('./check')).register,
  analyze: async () => (await import('./analyze')).register,
  askpass: async () => (await import('./askpass')).register,
  'setup-privileges': async () => (await import('./setup-privileges')).register,
};

/**
 * The commands `argv` (as process.argv) needs registered: the one it names, none for `--version` alone,
 * every one otherwise (help, an unknown or misspelt command, which commander then explains).
 */
export function commandsFor(argv: readonly string[]): (() => Promise<RegisterCommand>)[] {
  const args = argv.slice(2);
  const named = args.find((arg) => !arg.startsWith('-'));
  if (named !== undefined && Object.hasOwn(commands, named)) return [commands[named]!];
  if (named === undefined && args.length > 0 && args.every((arg) => arg === '-V' || arg === '--version')) return [];
  return Object.values(commands);
}
