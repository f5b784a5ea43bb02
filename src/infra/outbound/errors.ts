/**
 * The outbound guard's two failures, each with a message safe to show to the
 * user who supplied the URL (socket and TLS error text is never passed on).
 */
/** The policy said no: the URL's scheme, host, address or a redirect target is not allowed. */
export class OutboundRefused extends Error {
  override name = 'OutboundRefused';
}

export type OutboundFailure = 'timeout' | 'unresolvable' | 'unreachable' | 'broken' | 'too_large' | 'too_many_redirects' | 'aborted';

/** The request was allowed but did not complete. */
export class OutboundFailed extends Error {
  override name = 'OutboundFailed';
  constructor(readonly reason: OutboundFailure, message: string) {
    super(message);
  }
}
