import type { z } from 'zod';
import { EVENTS, PortResult } from '../protocol';
import { fieldName } from './validate';

/** A scan.ports message as the client takes it: the results that passed, and why the others were refused. */
export interface CheckedPortBatch {
  /** the scan the batch names; absent when it names none (then no scan can be told which ports it lost) */
  scanId?: string;
  /** the valid results, in the batch's order */
  results: PortResult[];
  /** what was refused and why, when anything was */
  problem?: string;
}

function firstIssue(error: z.ZodError, prefix: readonly PropertyKey[] = []): string {
  const issue = error.issues[0]!;
  return `${fieldName([...prefix, ...issue.path])}: ${issue.message}`;
}

/**
 * Checks a scan.ports message against its schema: the whole batch at once, as a helper sends it; when
 * that fails, each result on its own, so that one bad result costs only itself and the refusal says
 * which it was and why.
 */
export function checkPortBatch(params: unknown): CheckedPortBatch {
  const whole = EVENTS['scan.ports'].safeParse(params);
  if (whole.success) return whole.data;
  const fields = typeof params === 'object' && params !== null ? (params as Record<string, unknown>) : {};
  const scanId = typeof fields.scanId === 'string' ? fields.scanId : undefined;
  if (scanId === undefined || !Array.isArray(fields.results))
    return { ...(scanId !== undefined ? { scanId } : {}), results: [], problem: `a malformed scan.ports message was refused (${firstIssue(whole.error)})` };
  const results: PortResult[] = [];
  let refused = 0;
  let first = '';
  for (const [i, candidate] of fields.results.entries()) {
    const one = PortResult.safeParse(candidate);
    if (one.success) results.push(one.data);
    else if (refused++ === 0) first = firstIssue(one.error, ['results', i]);
  }
  return { scanId, results, problem: `${refused} of ${fields.results.length} port results of a scan.ports message were refused (${first})` };
}
