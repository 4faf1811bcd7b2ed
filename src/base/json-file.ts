import { chmodSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

/** What a zod schema offers for checking a value (base imports no schema library's types). */
interface Checks<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false };
}

/**
 * A JSON file PortLab wrote earlier, checked against its schema: undefined when it is missing,
 * unreadable or not what the schema says (an earlier run's file is a hint, never a reason to fail).
 */
export function readJsonFileIfValid<T>(path: string, schema: Checks<T>): T | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Writes `value` as indented JSON to `path` through a temporary file renamed over it, so that a reader
 * never sees half a file; the file gets `mode` whatever the umask.
 */
export function writeJsonFileAtomic(path: string, value: unknown, mode = 0o644): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode });
  // The umask may have narrowed the mode given at creation.
  chmodSync(tmp, mode);
  renameSync(tmp, path);
}
