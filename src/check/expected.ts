import { randomUUID } from 'node:crypto';
import { runScan } from '../engine/scan';
import type { PortSpec } from '../engine/ports';
import { protocolOf, type ExpectedAnswer, type LabDescription, type LabTruth, type Technique } from '../protocol';
import { expectedLabVerdict } from '../technique/lab-answer';

/** What a correct program says about one port, and where that knowledge comes from. */
export interface Expectation {
  expected: ExpectedAnswer;
  /** the lab's truth, when the target is a lab's */
  truth?: LabTruth;
  /** nmap's answer beside PortLab's, for a target that is not a lab's */
  nmap?: ExpectedAnswer;
}

/** Expectations by technique and port. */
export type Expectations = Map<string, Expectation>;

export function expectationKey(technique: Technique, port: number): string {
  return `${technique}:${port}`;
}

/** A lab's target: each port's truth (ports the lab does not list are closed) as the technique table classifies it. */
export function labExpectations(lab: LabDescription, runs: readonly { technique: Technique; ports: readonly number[] }[]): Expectations {
  const out: Expectations = new Map();
  for (const { technique, ports } of runs)
    for (const port of ports) {
      const truth = lab.ports.find((p) => p.port === port && p.protocol === protocolOf(technique))?.truth ?? 'closed';
      out.set(expectationKey(technique, port), { truth, expected: { ...expectedLabVerdict(technique, truth), source: 'lab' } });
    }
  return out;
}

/**
 * Any other target: what PortLab's own scan of the same ports with the same techniques says, run here
 * before the program (so that its packets are not in the program's capture).
 */
export async function portlabExpectations(target: string, ports: PortSpec, techniques: readonly Technique[]): Promise<Expectations> {
  const outcome = await runScan({ scanId: randomUUID(), targets: [target], ports, techniques: [...techniques] }, {});
  const out: Expectations = new Map();
  for (const r of outcome.results()) out.set(expectationKey(r.technique, r.port), { expected: { state: r.state, reason: r.reason, source: 'portlab' } });
  return out;
}
