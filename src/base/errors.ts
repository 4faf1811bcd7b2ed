/**
 * What went wrong, for code that must tell user errors apart; the message is for people and is never
 * matched. Most errors only need telling apart from bugs and keep the default.
 */
export type UserErrorKind =
  /** a value given is malformed, out of range or not allowed here */
  | 'bad-input'
  /** the routing table has no way to a target, or one that would take the lab's packets off this machine */
  | 'no-route'
  /** an interface that is missing, down, without an IPv4 address or of a link type PortLab cannot use */
  | 'interface-unusable'
  /** the idle scan's zombie does not answer, or its IP IDs cannot be read as a side channel */
  | 'zombie-unusable';

/**
 * An error the user can fix (bad port list, target out of scope, missing capability, interface down).
 * The CLI prints its message as one line on stderr and exits 2; the helper returns it as a JSON-RPC
 * error; neither shows a stack trace for it.
 */
export class UserError extends Error {
  override readonly name = 'UserError';
  constructor(
    message: string,
    readonly kind: UserErrorKind = 'bad-input',
  ) {
    super(message);
  }
}

/**
 * A UserError about the value of one command-line option, whose message names the option. `problem`
 * says what is wrong without naming it, for callers that name the value their own way (the helper names
 * the request field).
 */
export class OptionValueError extends UserError {
  constructor(
    message: string,
    readonly problem: string,
  ) {
    super(message);
  }
}
