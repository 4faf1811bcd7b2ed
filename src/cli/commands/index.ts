import type { Command } from 'commander';

/** Each subcommand module exports `register(program)`; add it here to make it part of `portlab`. */
export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [];
