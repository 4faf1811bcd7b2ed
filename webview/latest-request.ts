/**
 * The request of one kind whose reply the webview waits for, paired with it by its messageId (the
 * reply's inReplyTo). A newer request supersedes the older: the reply to that one (the user clicked
 * another packet before it came) is no longer wanted.
 */
export class LatestRequest<Request extends { messageId: number }> {
  private awaited: Request | undefined;

  /** Makes `request` the one waited for; returns it, to be posted. */
  wait(request: Request): Request {
    this.awaited = request;
    return request;
  }

  /** Waits for no reply: what the last request asked for is not wanted any more. */
  forget(): void {
    this.awaited = undefined;
  }

  get waiting(): boolean {
    return this.awaited !== undefined;
  }

  /** The request that a reply with `inReplyTo` answers, when it is the one waited for; it is then waited for no more. */
  answeredBy(inReplyTo: number): Request | undefined {
    const request = this.awaited;
    if (request?.messageId !== inReplyTo) return undefined;
    this.awaited = undefined;
    return request;
  }
}
