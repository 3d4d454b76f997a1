// The client's options, their defaults, and the checks that catch a misconfiguration at start.
import { warnOnError, type ErrorHandler } from './errors.ts';

export interface MarginOptions {
  /** Where Margin runs, e.g. `https://margin.example.com` (no `/api/...`). */
  baseUrl: string;
  /** `pk-mg-…`. Not needed for native ingestion; accepted so a key-pair configuration fits as is. */
  publicKey?: string;
  /** `sk-mg-…`, sent as `Authorization: Bearer <secretKey>`. */
  secretKey: string;
  /** Send as soon as this many events wait. Default 100. */
  flushAt?: number;
  /** Send whatever waits this long after the first of it was recorded. Default 1000. */
  flushIntervalMs?: number;
  /** Retries of one request after a 408/429/5xx or network error. Default 5. */
  maxRetries?: number;
  /** Events waiting to be sent; past it, new events are refused and counted as dropped. Default 10,000. */
  maxQueueSize?: number;
  /** Replaces the global fetch (proxies, tests, other runtimes). */
  fetch?: typeof fetch;
  /** Where delivery problems go; default: a line on stderr. Never throws into your code. */
  onError?: ErrorHandler;
  /** Flush on the process's `beforeExit`. Default true. */
  flushOnExit?: boolean;
  /** Abort one request after this long (then retry). Default 10,000. */
  requestTimeoutMs?: number;
  /** First backoff step; doubles per retry, half of it random. Default 500. */
  retryBaseDelayMs?: number;
  /** Cap on one wait, Retry-After included. Default 30,000. */
  retryMaxDelayMs?: number;
}

export type ResolvedOptions = Required<Omit<MarginOptions, 'publicKey'>> & { publicKey?: string; endpoint: string };

export function resolveOptions(options: MarginOptions): ResolvedOptions {
  if (!options || typeof options.baseUrl !== 'string' || !/^https?:\/\//.test(options.baseUrl)) {
    throw new TypeError('Margin: set baseUrl to the address of your Margin server, e.g. http://localhost:3000');
  }
  if (typeof options.secretKey !== 'string' || options.secretKey === '') {
    throw new TypeError("Margin: set secretKey to the project's secret key (sk-mg-…)");
  }
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') throw new TypeError('Margin: no fetch available; pass options.fetch');
  const resolved = {
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    publicKey: options.publicKey,
    secretKey: options.secretKey,
    flushAt: options.flushAt ?? 100,
    flushIntervalMs: options.flushIntervalMs ?? 1000,
    maxRetries: options.maxRetries ?? 5,
    maxQueueSize: options.maxQueueSize ?? 10_000,
    fetch: fetchImpl,
    onError: options.onError ?? warnOnError,
    flushOnExit: options.flushOnExit ?? true,
    requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
    retryBaseDelayMs: options.retryBaseDelayMs ?? 500,
    retryMaxDelayMs: options.retryMaxDelayMs ?? 30_000,
  };
  for (const key of ['flushAt', 'maxQueueSize'] as const) {
    if (!Number.isInteger(resolved[key]) || resolved[key] < 1) throw new TypeError(`Margin: ${key} must be an integer >= 1`);
  }
  for (const key of ['flushIntervalMs', 'maxRetries', 'requestTimeoutMs', 'retryBaseDelayMs', 'retryMaxDelayMs'] as const) {
    if (!Number.isFinite(resolved[key]) || resolved[key] < 0) throw new TypeError(`Margin: ${key} must be a number >= 0`);
  }
  return { ...resolved, endpoint: `${resolved.baseUrl}/api/public/events` };
}
