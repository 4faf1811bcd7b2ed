import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePorts } from '../../src/engine/ports';
import type { ScanPlan } from '../../src/engine/scan-plan';
import { scanPlanOf, scanStartParams } from '../../src/helper/scan-params';

test('a plan sent to the helper comes back the same plan from its scan.start', () => {
  const ports = 'T:22,80,U:53';
  const plan: ScanPlan = {
    scanId: 'scan-1',
    targets: ['198.18.0.2', '198.18.0.3'],
    ports: parsePorts(ports),
    techniques: ['syn', 'udp'],
    rate: 500,
    maxRetries: 2,
    iface: 'veth0',
    sourceIps: ['198.18.0.100', '198.18.0.101'],
    captureDir: '/captures/scan-1',
  };
  const params = scanStartParams(plan, { ports, allowTargets: ['203.0.113.0/24'] });
  assert.deepEqual(params, {
    targets: plan.targets,
    ports,
    techniques: ['syn', 'udp'],
    rate: 500,
    maxRetries: 2,
    iface: 'veth0',
    sourceIps: '198.18.0.100,198.18.0.101',
    allowTargets: ['203.0.113.0/24'],
  });
  const checked = { scanId: plan.scanId, captureDir: plan.captureDir, targets: plan.targets, ports: parsePorts(params.ports), sourceIps: plan.sourceIps };
  assert.deepEqual(scanPlanOf(params, checked), plan);
});

test('what a plan leaves out, the request leaves out; techniques named twice run once', () => {
  const plan: ScanPlan = { scanId: 'x', targets: ['198.18.0.2'], ports: parsePorts('22'), techniques: ['syn'] };
  const params = scanStartParams(plan, { ports: '22', allowTargets: [] });
  assert.deepEqual(params, { targets: ['198.18.0.2'], ports: '22', techniques: ['syn'] });
  const twice = scanPlanOf({ ...params, techniques: ['syn', 'fin', 'syn'] }, { scanId: 'x', captureDir: '/c/x', targets: plan.targets, ports: plan.ports });
  assert.deepEqual(twice, { ...plan, techniques: ['syn', 'fin'], captureDir: '/c/x' });
});

test("an idle scan's zombie goes to the helper as -sI typed it and comes back resolved", () => {
  const plan: ScanPlan = {
    scanId: 'scan-2',
    targets: ['198.18.0.2'],
    ports: parsePorts('22'),
    techniques: ['idle'],
    captureDir: '/captures/scan-2',
    zombie: { address: '198.18.0.4', probePort: 80 },
  };
  const params = scanStartParams(plan, { ports: '22', allowTargets: [] });
  assert.equal(params.zombie, '198.18.0.4:80');
  const checked = { scanId: plan.scanId, captureDir: plan.captureDir, targets: plan.targets, ports: plan.ports, zombie: plan.zombie };
  assert.deepEqual(scanPlanOf(params, checked), plan);
});
