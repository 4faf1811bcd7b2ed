import { UserError } from '../base/errors';
import { describeLab } from './describe';
import type { LabDescription } from '../protocol';
import { writeLabDescription } from './description-file';
import { createHostLink, removeHostLink } from './host-link';
import { nftRuleset } from './firewall';
import { createNamespaces, deleteNamespace, listNamespaces, namespacePids } from './namespaces';
import { cmdlineOf, isAlive, sameArgv, terminate } from './processes';
import { startDnsmasq, startListener } from './services';
import { readLabState, removeLabFiles, writeLabState, type LabState } from './state';
import { labTopology, type LabTopology } from './topology';
import { checkRoot, runTool, toolPath, type LabTool } from './tools';
import { LAB_TRUTH } from './truth';

export { LAB_TRUTH, labPorts, labTruthOf, type LabPortTruth } from './truth';
export { labTopology, labOfAddress, parseLabId, checkLabId, type LabTopology, type LabEnd, type LabHostLink } from './topology';
export { readLabDescription, describedLabIds } from './description-file';
export { nftRuleset, filterRule } from './firewall';
export { plannedDescription } from './describe';

export interface LabUpOptions {
  /** the target's net.ipv4.icmp_ratelimit in ms (0 = no limit); the kernel's default (1000) when absent */
  icmpRatelimitMs?: number;
}

export const ICMP_RATELIMIT_MAX_MS = 60_000;

export function checkIcmpRatelimit(ms: number | string | undefined): void {
  if (ms === undefined) return;
  if (typeof ms === 'string' || !Number.isInteger(ms) || ms < 0 || ms > ICMP_RATELIMIT_MAX_MS)
    throw new UserError(`the ICMP rate limit must be an integer number of milliseconds from 0 to ${ICMP_RATELIMIT_MAX_MS}, not '${String(ms)}'`);
}

function preflight(tools: LabTool[]): void {
  checkRoot();
  for (const tool of tools) toolPath(tool);
}

async function build(topo: LabTopology, opts: LabUpOptions): Promise<void> {
  const state: LabState = { id: topo.id, services: [] };
  if (opts.icmpRatelimitMs !== undefined) state.icmpRatelimitMs = opts.icmpRatelimitMs;
  writeLabState(state);
  await createNamespaces(topo);
  await createHostLink(topo);
  await runTool('ip', ['netns', 'exec', topo.target.namespace, 'nft', '-f', '-'], nftRuleset(LAB_TRUTH));
  if (opts.icmpRatelimitMs !== undefined)
    await runTool('ip', ['netns', 'exec', topo.target.namespace, 'sysctl', '-q', '-w', `net.ipv4.icmp_ratelimit=${opts.icmpRatelimitMs}`]);
  // The state file is rewritten after each start so that a failure further on still finds every PID.
  for (const start of [startDnsmasq, startListener]) {
    state.services.push(await start(topo));
    writeLabState(state);
  }
}

/** Removes whatever exists of lab `id`, however half-built; true if anything was there. */
async function teardown(topo: LabTopology): Promise<boolean> {
  const state = readLabState(topo.id);
  const namespaces = new Set(await listNamespaces());
  const present = [topo.scanner.namespace, topo.target.namespace].filter((ns) => namespaces.has(ns));

  // A recorded PID is killed only if it is still the process we started: after a reboot or a long
  // time the number may belong to someone else.
  const pids = (state?.services ?? []).filter((s) => isAlive(s.pid) && sameArgv(cmdlineOf(s.pid), s.argv)).map((s) => s.pid);
  // Anything still inside the lab's namespaces was started there by the lab (or by a scan in it).
  for (const ns of present) pids.push(...(await namespacePids(ns)));
  const survivors = await terminate(pids);
  if (survivors.length > 0) throw new UserError(`lab ${topo.id}: processes ${survivors.join(', ')} did not exit after SIGKILL`);

  const hadLink = await removeHostLink(topo);
  for (const ns of present) await deleteNamespace(ns);
  const hadFiles = removeLabFiles(topo.id);
  return present.length > 0 || pids.length > 0 || hadFiles || hadLink;
}

/**
 * Builds lab `id` (tearing down whatever of it exists first, so up is idempotent), saves its live
 * description where any user can read it, and returns it. If any step fails, what was built is removed
 * before the error is thrown.
 */
export async function labUp(id = 0, opts: LabUpOptions = {}): Promise<LabDescription> {
  const topo = labTopology(id);
  checkIcmpRatelimit(opts.icmpRatelimitMs);
  preflight(['ip', 'nft', 'dnsmasq', 'sysctl']);
  await teardown(topo);
  try {
    await build(topo, opts);
    const description = await describeLab(id);
    if (!description.up) throw new UserError(`lab ${id} did not come up: ${(description.problems ?? []).join('; ')}`);
    writeLabDescription(description);
    return description;
  } catch (err) {
    await teardown(topo).catch(() => {});
    throw err;
  }
}

/** Removes lab `id`: its processes, namespaces (and so both veths) and files. Safe to run when nothing is up. */
export async function labDown(id = 0): Promise<{ removed: boolean }> {
  const topo = labTopology(id);
  preflight(['ip']);
  return { removed: await teardown(topo) };
}

/** The live description of lab `id`; `up: false` (with `problems` when partly there) when it is not fully up. */
export async function labStatus(id = 0): Promise<LabDescription> {
  const topo = labTopology(id);
  preflight(['ip', 'nft', 'sysctl']);
  return describeLab(topo.id);
}
