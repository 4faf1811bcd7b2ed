import { UserError } from '../base/errors';
import { currentNetns } from '../base/netns';
import { ScopeGuard } from '../engine/scope';
import { labOfAddress, labStatus, labTopology, type LabTopology } from '../lab';
import { listNamespaces } from '../lab/namespaces';
import type { LabDescription } from '../protocol';

/** What a check probes: an address, and the lab (up) it belongs to when it is a lab's target. */
export interface CheckTarget {
  address: string;
  lab?: { topology: LabTopology; description: LabDescription };
}

const SCANNER_NAMESPACE = /^portlab(\d{1,3})-scanner$/;

function labIdOfNamespace(name: string | undefined): number | undefined {
  const m = name === undefined ? null : SCANNER_NAMESPACE.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** The one lab that is up: the one whose scanner namespace this process is in, else the only one on the host. */
async function labThatIsUp(): Promise<LabTopology> {
  const here = labIdOfNamespace(currentNetns());
  if (here !== undefined) return labTopology(here);
  const ids = (await listNamespaces()).map(labIdOfNamespace).filter((id): id is number => id !== undefined);
  const up: number[] = [];
  for (const id of ids) if ((await labStatus(id)).up) up.push(id);
  if (up.length === 1) return labTopology(up[0]!);
  if (up.length === 0) throw new UserError('no lab is up: start one (sudo portlab lab up) or name the target to check');
  throw new UserError(`labs ${up.join(', ')} are up: pick one with --lab N`);
}

/**
 * The target of a check: `--lab N`'s target, the target named (a lab's only if it is that lab's target
 * itself), or by default the lab that is up. A lab must be up; any other address must pass the scope
 * guard as a scan's target does.
 */
export async function resolveCheckTarget(named: string | undefined, labId: number | undefined, allowTargets: readonly string[]): Promise<CheckTarget> {
  let topology: LabTopology | undefined;
  let address: string;
  if (named === undefined) {
    topology = labId === undefined ? await labThatIsUp() : labTopology(labId);
    address = topology.target.address;
  } else {
    [address] = (await new ScopeGuard(allowTargets).resolve([named])) as [string];
    topology = labId === undefined ? labOfAddress(address) : labTopology(labId);
    if (topology && topology.target.address !== address)
      throw new UserError(`${named} is not the target of lab ${topology.id}: check its target ${topology.target.address}`);
  }
  if (!topology) return { address };
  const description = await labStatus(topology.id);
  if (!description.up) throw new UserError(`lab ${topology.id} is not up: start it with sudo portlab lab up --id ${topology.id}`);
  return { address, lab: { topology, description } };
}
