import { ResponseError, ErrorCodes } from 'vscode-jsonrpc/node';
import type { z } from 'zod';
import { REQUESTS, type RequestMethod } from '../protocol';

export type ParamsOf<M extends RequestMethod> = z.infer<(typeof REQUESTS)[M]['params']>;
export type ResultOf<M extends RequestMethod> = z.infer<(typeof REQUESTS)[M]['result']>;

export function isRequestMethod(method: string): method is RequestMethod {
  return Object.hasOwn(REQUESTS, method);
}

/** "params.targets[0]" for zod's path ["targets", 0]. */
export function fieldName(path: readonly PropertyKey[]): string {
  return path.reduce<string>((name, key) => (typeof key === 'number' ? `${name}[${key}]` : `${name}.${String(key)}`), 'params');
}

/**
 * Checks a request's params against its schema before anything runs. Positional (array) params are
 * refused: every request takes one object. Absent params count as {} so that `interfaces` needs none.
 */
export function validateParams<M extends RequestMethod>(method: M, params: unknown): ParamsOf<M> {
  if (Array.isArray(params)) throw new ResponseError(ErrorCodes.InvalidParams, 'params: expected an object, not an array');
  const parsed = REQUESTS[method].params.safeParse(params ?? {});
  if (parsed.success) return parsed.data as ParamsOf<M>;
  const issues = parsed.error.issues.slice(0, 3).map((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : '';
    return `${fieldName(issue.path)}: ${issue.message}${keys}`;
  });
  throw new ResponseError(ErrorCodes.InvalidParams, `invalid ${method} request: ${issues.join('; ')}`);
}
