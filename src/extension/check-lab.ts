import { LabTruth, type LabPort } from '../protocol/lab';
import type { Protocol } from '../protocol/scan';
import { labsUp, upLabDescription } from './lab-targets';

/** A lab that is up, as a check runs against it. */
export interface CheckLab {
  id: number;
  target: string;
  /** the lab's description of its target's ports: which kind each one is */
  ports: LabPort[];
}

/** The ports of one kind, as the port-kind picker offers them. */
interface PortKind {
  truth: LabTruth;
  ports: number[];
}

/**
 * The lab a check runs against, from the description `lab up` saved: lab `labId` (the setting) when it is
 * up, else the first lab that is up; undefined when none is.
 */
export function labUpForCheck(labId: number): CheckLab | undefined {
  for (const description of [upLabDescription(labId), ...labsUp()]) {
    const target = description?.hosts.find((h) => h.role === 'target')?.address;
    if (description && target) return { id: description.id, target, ports: description.ports };
  }
  return undefined;
}

/** The lab's ports of `protocol` by kind: open, closed, filtered by drop, filtered by reject; kinds without a port left out. */
export function portKinds(ports: readonly LabPort[], protocol: Protocol): PortKind[] {
  return LabTruth.options
    .map((truth) => ({ truth, ports: ports.filter((p) => p.protocol === protocol && p.truth === truth).map((p) => p.port) }))
    .filter((kind) => kind.ports.length > 0);
}
