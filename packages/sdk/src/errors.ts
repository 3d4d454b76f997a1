// The one error type the SDK hands to `onError`: what went wrong and which events it concerns.

export type MarginErrorKind =
  /** The server refused a whole request (4xx other than 408/413/429, or 413 for a lone event), or the event could not be serialised to JSON. */
  | 'rejected'
  /** The 207 answer listed this event under `errors` (e.g. a field of the wrong type). */
  | 'event_rejected'
  /** 429/5xx/network errors went on past `maxRetries`. */
  | 'retries_exhausted'
  /** The queue held `maxQueueSize` events: the new event was not accepted. */
  | 'queue_full'
  /** One serialised event is larger than a request may be (5 MB). */
  | 'event_too_large'
  /** An event recorded after `shutdown()`. */
  | 'shut_down';

export class MarginError extends Error {
  override readonly name = 'MarginError';
  constructor(
    readonly kind: MarginErrorKind,
    message: string,
    /** The ids of the events concerned. */
    readonly eventIds: string[],
    /** The HTTP status, when a server answered. */
    readonly status?: number,
  ) {
    super(message);
  }
}

export type ErrorHandler = (error: MarginError) => void;

/** Without an `onError`, problems are written to stderr rather than lost silently. */
export const warnOnError: ErrorHandler = (error) => {
  const ids = error.eventIds.length > 3 ? `${error.eventIds.length} events` : error.eventIds.join(', ');
  console.warn(`[margin] ${error.kind}${error.status ? ` (${error.status})` : ''}: ${error.message} [${ids}]`);
};
