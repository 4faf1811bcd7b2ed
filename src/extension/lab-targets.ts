import { existsSync } from 'node:fs';
import { labTopology } from '../lab/topology';

/**
 * The lab whose target an address is (198.18.N.2) and whose namespaces exist, so that a scan of it
 * runs from the lab's scanner namespace as the lab intends.
 */
export function labOfTarget(address: string): { id: number; scannerNetns: string } | undefined {
  const m = /^198\.18\.(\d{1,3})\.2$/.exec(address);
  if (!m) return undefined;
  const id = Number(m[1]);
  if (id > 255) return undefined;
  const topo = labTopology(id);
  if (!existsSync(`/run/netns/${topo.scanner.namespace}`)) return undefined;
  return { id, scannerNetns: topo.scanner.namespace };
}
