import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PortResult, PortState } from '../../src/protocol';
import { synResult } from '../support/port-result';
import { foldKey, foldReasons, hiddenInFold, tableRows, type TableRow } from '../../webview/result-rows';

const result = (port: number, state: PortState, reason: string, target = '198.18.53.2') => synResult(target, port, state, reason);

/** A 1–1024 SYN scan of the lab: 22 and 80 open, 25 filtered, the rest closed; and 127.0.0.1's 22 and 23. */
function scan(): PortResult[] {
  const lab = Array.from({ length: 1024 }, (_, i) => i + 1).map((p) =>
    p === 22 || p === 80
      ? result(p, 'open', 'syn-ack')
      : p === 25
        ? result(p, 'filtered', 'no-response')
        : result(p, 'closed', p === 1000 ? 'no-response' : 'reset'),
  );
  return [...lab, result(22, 'open', 'syn-ack', '127.0.0.1'), result(23, 'closed', 'reset', '127.0.0.1')].sort((a, b) => a.port - b.port);
}

const describe = (rows: TableRow[]) =>
  rows.map((r) => (r.kind === 'fold' ? `fold ${r.fold.key} ${r.fold.count}${r.fold.expanded ? ' open' : ''}` : `${r.result.target}:${r.result.port}`));

test("the table starts with the ports nmap lists; a crowded state is one folded row, each target's apart", () => {
  const rows = tableRows(scan(), new Set());
  assert.deepEqual(describe(rows), ['198.18.53.2:22', '127.0.0.1:22', '127.0.0.1:23', '198.18.53.2:25', '198.18.53.2:80', 'fold syn/198.18.53.2/closed 1021']);
  const fold = rows.at(-1)!;
  assert.ok(fold.kind === 'fold');
  assert.equal(foldReasons(fold.fold), '1020 reset, 1 no-response');
});

test('a folded row opens into its ports, in the table’s sort, and folds again', () => {
  const key = foldKey({ technique: 'syn', target: '198.18.53.2', state: 'closed' });
  const open = tableRows(scan(), new Set([key]));
  assert.equal(open.length, 5 + 1 + 1021);
  assert.deepEqual(describe(open).slice(5, 8), [`fold ${key} 1021 open`, '198.18.53.2:1', '198.18.53.2:2']);
  const descending = tableRows([...scan()].reverse(), new Set([key]));
  assert.deepEqual(describe(descending).slice(6, 8), ['198.18.53.2:1024', '198.18.53.2:1023']);
  assert.deepEqual(describe(tableRows(scan(), new Set())), describe(tableRows(scan(), new Set(['syn/elsewhere/closed']))));
});

test('folding follows the filter: 25 ports of a state or fewer are listed one by one', () => {
  const few = scan().filter((r) => r.port <= 20);
  assert.ok(tableRows(few, new Set()).every((r) => r.kind === 'result'));
  const onlyClosed = scan().filter((r) => r.state === 'closed');
  assert.deepEqual(describe(tableRows(onlyClosed, new Set())), ['127.0.0.1:23', 'fold syn/198.18.53.2/closed 1021']);
});

test('a port inside a closed fold is hidden until its fold opens', () => {
  const rows = scan();
  const closed = rows.find((r) => r.port === 443 && r.target === '198.18.53.2')!;
  assert.equal(hiddenInFold(rows, closed, new Set()), true);
  assert.equal(hiddenInFold(rows, closed, new Set([foldKey(closed)])), false);
  assert.equal(
    hiddenInFold(
      rows,
      rows.find((r) => r.port === 23 && r.target === '127.0.0.1')!,
      new Set(),
    ),
    false,
  );
});
