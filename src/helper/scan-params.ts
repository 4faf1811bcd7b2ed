import type { ScanPlan } from '../engine/scan-plan';
import type { ScanStartParams } from '../protocol';

/** What a scan.start request carries besides the plan: the port list as typed (a plan holds it parsed) and the ranges allowed beyond the lab's. */
export interface ScanRequestExtras {
  ports: string;
  allowTargets: string[];
}

/** The scan.start request that has the helper run `plan`. */
export function scanStartParams(plan: ScanPlan, extras: ScanRequestExtras): ScanStartParams {
  return {
    targets: plan.targets,
    ports: extras.ports,
    techniques: plan.techniques,
    ...(plan.rate !== undefined ? { rate: plan.rate } : {}),
    ...(plan.maxRetries !== undefined ? { maxRetries: plan.maxRetries } : {}),
    ...(plan.iface !== undefined ? { iface: plan.iface } : {}),
    ...(plan.sourceIps !== undefined ? { sourceIps: plan.sourceIps.join(',') } : {}),
    ...(extras.allowTargets.length > 0 ? { allowTargets: extras.allowTargets } : {}),
    ...(plan.zombie !== undefined ? { zombie: `${plan.zombie.address}:${plan.zombie.probePort}` } : {}),
  };
}

/** What the helper works out of a scan.start before the scan runs: its id and directory, the targets resolved, ports parsed, sources checked. */
export type CheckedScanStart = Pick<ScanPlan, 'scanId' | 'captureDir' | 'targets' | 'ports' | 'sourceIps' | 'zombie'>;

/** The plan the helper runs for a scan.start whose every field it has checked. */
export function scanPlanOf(params: ScanStartParams, checked: CheckedScanStart): ScanPlan {
  return {
    scanId: checked.scanId,
    targets: checked.targets,
    ports: checked.ports,
    techniques: [...new Set(params.techniques)],
    captureDir: checked.captureDir,
    ...(params.rate !== undefined ? { rate: params.rate } : {}),
    ...(params.maxRetries !== undefined ? { maxRetries: params.maxRetries } : {}),
    ...(params.iface !== undefined ? { iface: params.iface } : {}),
    ...(checked.sourceIps !== undefined ? { sourceIps: checked.sourceIps } : {}),
    ...(checked.zombie !== undefined ? { zombie: checked.zombie } : {}),
  };
}
