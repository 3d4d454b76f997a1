// When to try a request again and how long to wait: exponential backoff with jitter, or the
// server's own Retry-After.

/** 408, 429 and 5xx are worth another try; other 4xx will fail the same way again. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** A Retry-After header in ms (delta-seconds or an HTTP date); undefined when absent or unreadable. */
export function parseRetryAfterMs(header: string | null, now: number = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export interface BackoffOptions {
  baseDelayMs: number;
  maxDelayMs: number;
  random?: () => number;
}

/**
 * Delay before retry number `retry` (1 = first retry): base * 2^(retry-1), capped, with "equal
 * jitter" (half fixed, half random) so many clients that failed together do not retry together.
 * A Retry-After from the server wins, capped by maxDelayMs so a bad header cannot park the queue.
 */
export function retryDelayMs(retry: number, options: BackoffOptions, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, options.maxDelayMs);
  const exp = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (retry - 1));
  const random = options.random ?? Math.random;
  return exp / 2 + random() * (exp / 2);
}
