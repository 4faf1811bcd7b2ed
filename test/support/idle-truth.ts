import assert from 'node:assert/strict';
import { formatExchange, type LabTruth, type PortResult } from '../../src/protocol';
import { expectedLabVerdict } from '../../src/technique/lab-answer';

/**
 * An idle scan's ports against the lab's truth: each port's state and reason as the technique table expects,
 * and open exactly where a listener answers the zombie (closed, dropped and rejected ports alike leave its
 * IP ID alone).
 */
export function assertIdleMatchesTruth(byPort: ReadonlyMap<number, PortResult>, ports: readonly { port: number; truth: LabTruth }[]): void {
  for (const { port, truth } of ports) {
    const r = byPort.get(port);
    const { state, reason } = expectedLabVerdict('idle', truth);
    assert.deepEqual([r?.state, r?.reason], [state, reason], `port ${port} (${truth}): ${formatExchange(r?.exchange ?? [])}`);
  }
  assert.deepEqual(
    ports.filter((p) => byPort.get(p.port)?.state === 'open').map((p) => p.port),
    ports.filter((p) => p.truth === 'open').map((p) => p.port),
  );
}
