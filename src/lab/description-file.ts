import { chmodSync, mkdirSync, readdirSync } from 'node:fs';
import { LabDescription } from '../protocol';
import { LAB_RUN_DIR, labRunFile } from './state';
import { readJsonFileIfValid, writeJsonFileAtomic } from '../base/json-file';

const descriptionFile = (id: number) => labRunFile(id, '.description.json');

/**
 * Saves the description of a lab that came up where any user can read it (0644 in a 0755 directory):
 * an editor running as a student finds the lab and its truth there without root. Nothing in it is secret.
 */
export function writeLabDescription(description: LabDescription): void {
  mkdirSync(LAB_RUN_DIR, { recursive: true, mode: 0o755 });
  chmodSync(LAB_RUN_DIR, 0o755);
  writeJsonFileAtomic(descriptionFile(description.id), description, 0o644);
}

/** The saved description of lab `id`, or undefined when there is none or it does not parse. */
export function readLabDescription(id: number): LabDescription | undefined {
  const description = readJsonFileIfValid(descriptionFile(id), LabDescription);
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
