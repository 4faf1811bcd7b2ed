import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PortState } from '../../src/protocol';
import { techniqueSummary } from '../../src/extension/tree-summary';

const counts = (entries: [PortState, number][]) => new Map(entries);

test('a technique row shows the two most telling states, the tooltip all of them', () => {
  const syn = techniqueSummary(
    counts([
      ['closed', 1019],
      ['open', 3],
      ['filtered', 2],
    ]),
  );
  assert.equal(syn.short, '3 open · 2 filtered …');
  assert.equal(syn.full, '3 open · 2 filtered · 1019 closed');
  assert.ok(syn.short.length <= 24, 'fits beside "SYN (-sS)" at the default sidebar width');
  assert.deepEqual(techniqueSummary(counts([['closed', 9]])), { short: '9 closed', full: '9 closed' });
  assert.equal(
    techniqueSummary(
      counts([
        ['open|filtered', 4],
        ['closed', 3],
        ['open', 0],
      ]),
    ).short,
    '4 open|filtered · 3 closed',
  );
  assert.deepEqual(techniqueSummary(counts([])), { short: '', full: '' });
  // the ACK scan's answer: which ports the firewall lets through
  assert.deepEqual(
    techniqueSummary(
      counts([
        ['filtered', 4],
        ['unfiltered', 5],
      ]),
    ),
    { short: '5 unfiltered · 4 filtered', full: '5 unfiltered · 4 filtered' },
  );
});
