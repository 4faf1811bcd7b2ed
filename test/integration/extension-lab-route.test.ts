import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { labDown, labTopology, labUp } from '../../src/lab';
import { labOfTarget } from '../../src/extension/lab-targets';
import { scanRoute } from '../../src/extension/scan-route';
import { rootSkip, run } from '../support/lab-env';

const ID = 248;
const topo = labTopology(ID);
const NETNS = topo.scanner.namespace;

/** The interface the host namespace's own routes send `address` out of; undefined when it has no route there. */
async function hostRouteDevice(address: string): Promise<string | undefined> {
  const got = await run('ip', ['-j', 'route', 'get', address]).catch(() => undefined);
  return got && (JSON.parse(got.stdout) as { dev?: string }[])[0]?.dev;
}

describe("the editor's route to the lab hosts it lists", { skip: rootSkip, timeout: 120_000 }, () => {
  before(async () => {
    await labUp(ID);
  });
  after(async () => {
    await labDown(ID);
  });

  test('the host link reaches the IPv4 target alone: the stateless host and every IPv6 address are scanned from the scanner namespace', async () => {
    assert.equal(await hostRouteDevice(topo.target.address), topo.hostLink.host.iface);
    assert.notEqual(await hostRouteDevice(topo.stateless.address), topo.hostLink.host.iface, 'the host link does not lead to the stateless host');
    assert.deepEqual(labOfTarget(topo.target.address), { id: ID, scannerNetns: NETNS, hostLink: true });
    for (const address of [topo.target.address6, topo.stateless.address, topo.stateless.address6])
      assert.deepEqual(labOfTarget(address), { id: ID, scannerNetns: NETNS, hostLink: false }, address);
    // A student's editor (no privilege): the target over the host link, the others from the lab's scanner.
    const student = { entersNamespaces: false, rawHere: false };
    const route = (address: string) => scanRoute({ raw: true, lab: labOfTarget(address)!, ...student });
    assert.deepEqual(route(topo.target.address), { kind: 'helper', raw: true });
    assert.deepEqual(route(topo.stateless.address), { kind: 'helper', raw: true, netns: NETNS });
    assert.deepEqual(route(topo.target.address6), { kind: 'helper', raw: true, netns: NETNS });
  });

  test('the zombie and the scanner are no scan targets of the lab', () => {
    for (const address of [topo.zombie.address, topo.zombie.randomIpIdAddress, topo.zombie.address6, topo.scanner.address])
      assert.equal(labOfTarget(address), undefined, address);
  });
});
