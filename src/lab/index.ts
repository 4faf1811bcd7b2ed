import { UserError } from '../base/errors';
import { describeLab } from './describe';
import type { LabDescription } from '../protocol';
import { writeLabDescription } from './description-file';
import { createHostLink, removeHostLink } from './host-link';
import { hostRuleset, nftRuleset, zombieRule, zombieRule6 } from './firewall';
import { createSegment, deleteNamespace, listNamespaces, namespacePids } from './namespaces';
import { cmdlineOf, isAlive, sameArgv, terminate } from './processes';
import { startDnsmasq, startStatelessListener, startTargetListener, startZombieResponder } from './services';
import { readLabState, removeLabFiles, writeLabState, type LabState } from './state';
import { labNamespaces, labTopology, type LabTopology } from './topology';
import { checkKernelIpv6, checkRoot, runTool, toolPath, type LabTool } from './tools';
import { LAB_TRUTH, STATELESS_TRUTH } from './truth';

export { LAB_TRUTH, STATELESS_TRUTH, labPorts, statelessPorts, labTruthOf, type LabPortTruth } from './truth';
export {
  labTopology,
  labOfAddress,
  labEndOf,
  labEnds,
  parseLabId,
  checkLabId,
  type LabTopology,
  type LabEnd,
  type LabZombieEnd,
  type LabHostLink,
} from './topology';
export { readLabDescription, describedLabIds } from './description-file';
export { nftRuleset, hostRuleset, filterRule, zombieRule, zombieRule6, MLD_QUIET_RULE } from './firewall';
export { plannedDescription } from './describe';

export interface LabUpOptions {
  /** the target's net.ipv4.icmp_ratelimit and net.ipv6.icmp.ratelimit in ms (0 = no limit); the kernel's default (1000) when absent */
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
  await createSegment(topo, labRulesets(topo));
  await createHostLink(topo);
  if (opts.icmpRatelimitMs !== undefined)
    await runTool('ip', [
      'netns',
      'exec',
      topo.target.namespace,
      'sysctl',
      '-q',
      '-w',
      `net.ipv4.icmp_ratelimit=${opts.icmpRatelimitMs}`,
      `net.ipv6.icmp.ratelimit=${opts.icmpRatelimitMs}`,
    ]);
  // The services start side by side; the state file is rewritten after each spawn, before any is waited
  // for, so that a failure further on still finds every PID.
  const ready: Promise<void>[] = [];
  for (const start of [startDnsmasq, startTargetListener, startStatelessListener, startZombieResponder]) {
    const starting = start(topo);
    state.services.push(starting.service);
    writeLabState(state);
    ready.push(starting.ready);
  }
  const failed = (await Promise.allSettled(ready)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** Each host namespace's nftables ruleset: the port rules of target and stateless host, the zombie's, and MLD kept quiet in all. */
export function labRulesets(topo: LabTopology): Map<string, string> {
  return new Map([
    [topo.scanner.namespace, hostRuleset([])],
    [topo.target.namespace, nftRuleset(LAB_TRUTH)],
    [topo.stateless.namespace, nftRuleset(STATELESS_TRUTH)],
    [topo.zombie.namespace, hostRuleset([zombieRule(topo), zombieRule6(topo)])],
  ]);
}

/** Removes whatever exists of lab `id`, however half-built; true if anything was there. */
async function teardown(topo: LabTopology): Promise<boolean> {
  const state = readLabState(topo.id);
  const namespaces = new Set(await listNamespaces());
  const present = labNamespaces(topo).filter((ns) => namespaces.has(ns));

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
  checkKernelIpv6();
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

/** Removes lab `id`: its processes, namespaces (and so the switch and every veth) and files. Safe to run when nothing is up. */
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
