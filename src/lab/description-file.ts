import { chmodSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { LabDescription } from '../protocol';
import { LAB_RUN_DIR, labRunFile } from './state';
import { readJsonFileIfValid } from '../base/json-file';

const LinkEnd = z.object({ namespace: z.string().optional(), iface: z.string(), address: z.string(), mac: z.string() });

/** The host namespace's link to the target (see LabHostLink in topology.ts), as the description lists it. */
export const LabHostLinkDescription = z.object({
  subnet: z.string(),
  prefixLength: z.number().int().min(0).max(32),
  host: LinkEnd,
  target: LinkEnd.extend({ namespace: z.string() }),
  route: z.string(),
});

/** `portlab lab status --json`: the lab's description with its host link. */
export const LabDescriptionWithLink = LabDescription.extend({ hostLink: LabHostLinkDescription.optional() });
export type LabDescriptionWithLink = z.infer<typeof LabDescriptionWithLink>;

const descriptionFile = (id: number) => labRunFile(id, '.description.json');

/**
 * Saves the description of a lab that came up where any user can read it (0644 in a 0755 directory):
 * an editor running as a student finds the lab and its truth there without root. Nothing in it is secret.
 */
export function writeLabDescription(description: LabDescriptionWithLink): void {
  mkdirSync(LAB_RUN_DIR, { recursive: true, mode: 0o755 });
  chmodSync(LAB_RUN_DIR, 0o755);
  const path = descriptionFile(description.id);
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(description, null, 2)}\n`, { mode: 0o644 });
  // The umask may have narrowed the mode given at creation.
  chmodSync(tmp, 0o644);
  renameSync(tmp, path);
}

/** The saved description of lab `id`, or undefined when there is none or it does not parse. */
export function readLabDescription(id: number): LabDescriptionWithLink | undefined {
  const description = readJsonFileIfValid(descriptionFile(id), LabDescriptionWithLink);
  return description?.id === id ? description : undefined;
}

/** The ids of the labs with a saved description, lowest first. */
export function describedLabIds(): number[] {
  let names: string[];
  try {
    names = readdirSync(LAB_RUN_DIR);
  } catch {
    return [];
  }
  return names
    .map((n) => /^lab-(\d{1,3})\.description\.json$/.exec(n)?.[1])
    .filter((id): id is string => id !== undefined)
    .map(Number)
    .filter((id) => id <= 255)
    .sort((a, b) => a - b);
}
