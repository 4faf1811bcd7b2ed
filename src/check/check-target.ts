import { UserError } from '../base/errors';
import { currentNetns } from '../base/netns';
import { ScopeGuard } from '../engine/scope';
import { labOfAddress, labStatus, labTopology, type LabTopology } from '../lab';
import { labOfNamespace } from '../lab/topology';
import { listNamespaces } from '../lab/namespaces';
import type { LabDescription } from '../protocol';

/** What a check probes: an address, and the lab (up) it belongs to when it is a lab's target. */
export interface CheckTarget {
  address: string;
  lab?: { topology: LabTopology; description: LabDescription };
}

/** The lab whose scanner namespace is `name`. */
function labOfScannerNamespace(name: string | undefined): LabTopology | undefined {
  const topology = name === undefined ? undefined : labOfNamespace(name);
  return topology?.scanner.namespace === name ? topology : undefined;
}

/** The one lab that is up, with its description: the one whose scanner namespace this process is in, else the only one on the host. */
async function labThatIsUp(): Promise<{ topology: LabTopology; description?: LabDescription }> {
  const here = labOfScannerNamespace(currentNetns());
  if (here !== undefined) return { topology: here };
  const labs = (await listNamespaces()).map(labOfScannerNamespace).filter((t): t is LabTopology => t !== undefined);
  const up: { topology: LabTopology; description: LabDescription }[] = [];
  for (const topology of labs) {
    const description = await labStatus(topology.id);
    if (description.up) up.push({ topology, description });
  }
  if (up.length === 1) return up[0]!;
  if (up.length === 0) throw new UserError('no lab is up: start one (sudo portlab lab up) or name the target to check');
  throw new UserError(`labs ${up.map((l) => l.topology.id).join(', ')} are up: pick one with --lab N`);
}

/**
 * The target of a check: `--lab N`'s target, the target named (a lab's only if it is that lab's target
 * itself), or by default the lab that is up. A lab must be up; any other address must pass the scope
 * guard as a scan's target does.
 */
export async function resolveCheckTarget(named: string | undefined, labId: number | undefined, allowTargets: readonly string[]): Promise<CheckTarget> {
  let topology: LabTopology | undefined;
  let description: LabDescription | undefined;
  let address: string;
  if (named === undefined) {
    if (labId === undefined) ({ topology, description } = await labThatIsUp());
    else topology = labTopology(labId);
    address = topology.target.address;
  } else {
    [address] = (await new ScopeGuard(allowTargets).resolve([named])) as [string];
    topology = labId === undefined ? labOfAddress(address) : labTopology(labId);
    if (topology && topology.target.address !== address)
      throw new UserError(`${named} is not the target of lab ${topology.id}: check its target ${topology.target.address}`);
  }
  if (!topology) return { address };
  description ??= await labStatus(topology.id);
  if (!description.up) throw new UserError(`lab ${topology.id} is not up: start it with sudo portlab lab up --id ${topology.id}`);
  return { address, lab: { topology, description } };
}
