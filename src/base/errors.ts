/**
 * An error the user can fix (bad port list, target out of scope, missing capability, interface down).
 * The CLI prints its message as one line on stderr and exits 2; the helper returns it as a JSON-RPC
 * error; neither shows a stack trace for it.
 */
export class UserError extends Error {
  override readonly name = 'UserError';
}
