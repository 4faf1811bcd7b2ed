import { labPorts } from '../lab/truth';
import { labTopology } from '../lab/topology';
import { LabTruth, type LabPort } from '../protocol/lab';
import type { Protocol } from '../protocol/scan';
import { labOfTarget } from './lab-targets';

/** A lab that is up, as a check runs against it. */
export interface CheckLab {
  id: number;
  target: string;
  /** the lab's description of its target's ports: which kind each one is */
  ports: LabPort[];
}

/** The ports of one kind, as the port-kind picker offers them. */
export interface PortKind {
  truth: LabTruth;
  ports: number[];
}

/** The first of `ids` (the lab setting, then the labs the Targets tree knows) whose sandbox is up. */
export function labUpForCheck(ids: readonly number[]): CheckLab | undefined {
  for (const id of new Set(ids)) {
    const target = labTopology(id).target.address;
    if (labOfTarget(target)) return { id, target, ports: labPorts(target) };
  }
  return undefined;
}

/** The lab's ports of `protocol` by kind: open, closed, filtered by drop, filtered by reject; kinds without a port left out. */
export function portKinds(ports: readonly LabPort[], protocol: Protocol): PortKind[] {
  return LabTruth.options
    .map((truth) => ({ truth, ports: ports.filter((p) => p.protocol === protocol && p.truth === truth).map((p) => p.port) }))
    .filter((kind) => kind.ports.length > 0);
}
