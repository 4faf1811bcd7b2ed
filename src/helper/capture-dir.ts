import { closeSync, constants, fchmodSync, fstatSync, mkdirSync, openSync } from 'node:fs';
import { isAbsolute, normalize } from 'node:path';
import { UserError } from '../base/errors';

/**
 * The capture root named at launch (`--capture-dir`): an absolute path without `.`/`..` segments, so
 * that what the helper writes under is exactly what its launcher named.
 */
export function checkCaptureRoot(dir: string): string {
  if (dir.trim() === '') throw new UserError('--capture-dir must name a directory');
  if (!isAbsolute(dir)) throw new UserError(`--capture-dir "${dir}" is relative; give an absolute path`);
  if (dir.split('/').some((segment) => segment === '..' || segment === '.'))
    throw new UserError(`--capture-dir "${dir}" has a "." or ".." segment; give the directory itself (${normalize(dir)})`);
  return dir.length > 1 && dir.endsWith('/') ? dir.slice(0, -1) : dir;
}

/**
 * Makes `dir` (mode 0700) if it is missing, then checks what is there without following a link: a
 * real directory owned by this process's user. An existing one of ours with group or other access
 * is narrowed to 0700 through the opened descriptor, so the check and the chmod touch the same inode.
 */
export function ensurePrivateDirectory(dir: string, options: { recursive?: boolean } = {}): void {
  try {
    mkdirSync(dir, { recursive: options.recursive ?? false, mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new UserError(`cannot create the capture directory ${dir}: ${(err as Error).message}`);
  }
  let fd: number;
  try {
    fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'ENOTDIR')
      throw new UserError(`the capture directory ${dir} is not a directory (a symbolic link?); captures are never written through links`);
    throw new UserError(`cannot open the capture directory ${dir}: ${(err as Error).message}`);
  }
  try {
    const st = fstatSync(fd);
    const uid = process.geteuid?.() ?? st.uid;
    if (st.uid !== uid)
      throw new UserError(`the capture directory ${dir} belongs to uid ${st.uid}, not to the helper's user (uid ${uid}); name a directory of your own`);
    if ((st.mode & 0o077) !== 0) fchmodSync(fd, st.mode & 0o700);
  } finally {
    closeSync(fd);
  }
}
