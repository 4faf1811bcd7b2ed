import type { Command } from 'commander';
import { register as lab } from './lab';

/** Each subcommand module exports `register(program)`; add it here to make it part of `portlab`. */
export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [lab];
