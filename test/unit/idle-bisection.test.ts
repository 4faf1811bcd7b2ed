import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bisect, type PortGroup } from '../../src/engine/idle/bisection';
import { TECHNIQUE_TABLE } from '../../src/technique';

const rule = (rise: number, ports: number) => TECHNIQUE_TABLE.idle.classify({ kind: 'ipid', rise, ports });

interface Run {
  open: number[];
  notOpen: number;
  rounds: number;
  groups: PortGroup[];
  /** the bisection's count of groups that rose more than their ports explained */
  phantoms: number;
}

/**
 * Runs the bisection over `portCount` ports against a zombie whose IP ID rises once per open port in a
 * round, plus what `extra` adds to a round (a packet the zombie sent on its own, a lost answer).
 */
function scan(portCount: number, open: ReadonlySet<number>, extra: (round: number, group: PortGroup) => number = () => 0): Run {
  const steps = bisect(portCount, rule);
  const run: Run = { open: [], notOpen: 0, rounds: 0, groups: [], phantoms: 0 };
  const seen = new Set<number>();
  let step = steps.next();
  while (!step.done) {
    if (step.value.kind === 'count') {
      const group = step.value.group;
      run.groups.push(group);
      const rise = Math.max(0, Math.min(group.length, group.filter((i) => open.has(i)).length + extra(run.rounds, group)));
      step = steps.next({ rise, round: run.rounds++ });
    } else {
      for (const d of step.value.decisions) {
        assert.ok(!seen.has(d.index), `port ${d.index} decided twice`);
        seen.add(d.index);
        if (d.verdict.state === 'open') run.open.push(d.index);
        else {
          assert.deepEqual(d.verdict, { state: 'closed|filtered', reason: 'no-ipid-change' });
          run.notOpen++;
        }
        assert.ok(d.round < run.rounds, 'a decision names a round that was counted');
      }
      run.phantoms = step.value.phantoms;
      step = steps.next();
    }
  }
  assert.equal(seen.size, portCount, 'every port is decided once');
  return run;
}

test('the lab target: 6 ports, 22, 80 and 443 open (indices 0, 3, 5), each found', () => {
  const run = scan(6, new Set([0, 3, 5]));
  assert.deepEqual(run.open.sort(), [0, 3, 5]);
  assert.equal(run.notOpen, 3);
});

test('ports 1-1024 with 22, 80 and 443 open take far fewer rounds than ports, as nmap groups and bisects', () => {
  const open = new Set([21, 79, 442]);
  const run = scan(1024, open);
  assert.deepEqual(
    run.open.sort((a, b) => a - b),
    [21, 79, 442],
  );
  assert.equal(run.notOpen, 1021);
  assert.equal(run.phantoms, 0);
  assert.ok(run.rounds < 100, `${run.rounds} rounds`);
  // the first top-level group is nmap's 2 × 30 ports, counted as two halves of 30
  assert.deepEqual(
    run.groups[0],
    Array.from({ length: 30 }, (_, i) => i),
  );
});

test('no open port: two rounds (the halves) per group of nmap’s 60 ports, as nmap needs for a quiet range', () => {
  const run = scan(65535, new Set());
  assert.equal(run.open.length, 0);
  assert.equal(run.rounds, 2 * Math.ceil(65535 / 60));
  assert.ok(run.groups.every((g) => g.length <= 30));
});

test('every port open: each is bisected down to itself', () => {
  const run = scan(16, new Set(Array.from({ length: 16 }, (_, i) => i)));
  assert.equal(run.open.length, 16);
});

test('a packet of the zombie’s own in one round (a phantom open port) is caught by the retest', () => {
  // Round 0 counts ports 0-29; the zombie sends a packet of its own meanwhile.
  const run = scan(60, new Set([40]), (round) => (round === 0 ? 1 : 0));
  assert.deepEqual(run.open, [40]);
  assert.equal(run.phantoms, 1, 'and said: the zombie is not idle');
});

test('an open port whose answer was lost in its first count is found when the halves do not add up', () => {
  // Port 7 is open; the round that counts it alone misses its answer once (the target's SYN/ACK was lost).
  let missed = false;
  const run = scan(60, new Set([7]), (_round, group) => {
    if (group.length === 1 && group[0] === 7 && !missed) {
      missed = true;
      return -1;
    }
    return 0;
  });
  assert.deepEqual(run.open, [7]);
});
