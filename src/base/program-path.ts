import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

// sudo, pkexec and the VS Code extension host may start us with a PATH without the sbin directories.
const SYSTEM_DIRS = ['/usr/sbin', '/sbin', '/usr/bin', '/bin'];

/** The absolute directories of PATH, in order; a relative one would depend on the working directory. */
function pathDirs(): string[] {
  return (process.env.PATH ?? '').split(delimiter).filter((dir) => isAbsolute(dir));
}

/** The absolute path of `program` in the first of `dirs` where it is executable. */
function firstExecutable(program: string, dirs: readonly string[]): string | undefined {
  for (const dir of dirs) {
    const candidate = join(dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** The absolute path of an executable program on PATH or in the system directories, if any. */
export function findProgram(program: string): string | undefined {
  return firstExecutable(program, [...pathDirs(), ...SYSTEM_DIRS]);
}

/** The absolute path of an executable program on PATH only, if any. */
export function findOnPath(program: string): string | undefined {
  return firstExecutable(program, pathDirs());
}

/** A program in the system directories only: as root, never one that a PATH handed down by the client's side names. */
export function findSystemProgram(program: string): string | undefined {
  return firstExecutable(program, SYSTEM_DIRS);
}
