import { namedNetnsExists } from '../base/netns';
import { labOfAddress } from '../lab/topology';

/**
 * The lab whose target an address is (198.18.N.2) and whose namespaces exist, so that a scan of it
 * runs from the lab's scanner namespace as the lab intends.
 */
export function labOfTarget(address: string): { id: number; scannerNetns: string } | undefined {
  const topo = labOfAddress(address);
  if (topo?.target.address !== address || !namedNetnsExists(topo.scanner.namespace)) return undefined;
  return { id: topo.id, scannerNetns: topo.scanner.namespace };
}
