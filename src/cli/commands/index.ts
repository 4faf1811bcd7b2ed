import type { Command } from 'commander';
import { register as lab } from './lab';
import { register as discover } from './discover';
import { register as scan } from './scan';
import { register as report } from './report';
import { register as helper } from './helper';
import { register as demo } from './demo';
import { register as analyze } from './analyze';
import { register as check } from './check';
import { register as askpass } from './askpass';
import { register as setupPrivileges } from './setup-privileges';

/** Each subcommand module exports `register(program)`; add it here to make it part of `portlab`. */
export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [lab, discover, scan, report, helper, demo, check, analyze, askpass, setupPrivileges];
