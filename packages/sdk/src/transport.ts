// Sends one batch to `POST /api/public/events` and sees it through: retries with backoff on
// 408/429/5xx and network errors, halves the batch on 413, and reads the 207 answer per event.
import { batchBody } from './batch.ts';
import { MarginError } from './errors.ts';
import { isRetryableStatus, parseRetryAfterMs, retryDelayMs, type BackoffOptions } from './retry.ts';
import type { SerializedEvent } from './serialize.ts';

export interface TransportOptions {
  endpoint: string;
  secretKey: string;
  fetch: typeof fetch;
  maxRetries: number;
  backoff: BackoffOptions;
  requestTimeoutMs: number;
}

export interface DeliveryReport {
  /** Events the server acknowledged as stored. */
  sent: number;
  /** One error per refused event or per failed request. */
  errors: MarginError[];
  /** Events covered by `errors`. */
  failed: number;
  retries: number;
}

// Retry sleeps keep the process alive on purpose: an exiting process still gets its retries.
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function deliver(events: SerializedEvent[], options: TransportOptions): Promise<DeliveryReport> {
  const ids = events.map((e) => e.id);
  const body = batchBody(events);
  let retries = 0;
  let lastProblem = '';
  let lastStatus: number | undefined;

  for (let attempt = 0; attempt <= options.maxRetries; attempt += 1) {
    if (attempt > 0) retries += 1;
    let response: Response;
    try {
      response = await options.fetch(options.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${options.secretKey}` },
        body,
        signal: AbortSignal.timeout(options.requestTimeoutMs),
      });
    } catch (error) {
      lastProblem = `network error: ${describe(error)}`;
      lastStatus = undefined;
      if (attempt < options.maxRetries) await sleep(retryDelayMs(attempt + 1, options.backoff));
      continue;
    }
    // Always read the body: an unread body holds the connection.
    const text = await response.text().catch(() => '');

    if (response.ok) return { ...readAnswer(text, ids, response.status), retries };

    if (response.status === 413 && events.length > 1) {
      const half = Math.ceil(events.length / 2);
      const first = await deliver(events.slice(0, half), options);
      const second = await deliver(events.slice(half), options);
      return merge(first, second, retries);
    }

    lastStatus = response.status;
    lastProblem = errorMessage(text) ?? `HTTP ${response.status}`;
    if (!isRetryableStatus(response.status)) {
      const error = new MarginError('rejected', lastProblem, ids, response.status);
      return { sent: 0, errors: [error], failed: ids.length, retries };
    }
    if (attempt < options.maxRetries) {
      const retryAfterMs = parseRetryAfterMs(response.headers.get('retry-after'));
      await sleep(retryDelayMs(attempt + 1, options.backoff, retryAfterMs));
    }
  }
  const message = `gave up after ${options.maxRetries + 1} attempts; last: ${lastProblem}`;
  const error = new MarginError('retries_exhausted', message, ids, lastStatus);
  return { sent: 0, errors: [error], failed: ids.length, retries };
}

/** A 2xx stores every event except those listed under `errors` in the 207 envelope. */
function readAnswer(text: string, ids: string[], status: number): Omit<DeliveryReport, 'retries'> {
  const sentIds = new Set(ids);
  const errors: MarginError[] = [];
  const answer = parseJson(text) as { errors?: unknown } | undefined;
  if (answer && Array.isArray(answer.errors)) {
    for (const item of answer.errors as Array<{ id?: unknown; status?: unknown; message?: unknown }>) {
      const id = String(item?.id ?? '');
      const itemStatus = typeof item?.status === 'number' ? item.status : status;
      const message = typeof item?.message === 'string' ? item.message : 'rejected by the server';
      errors.push(new MarginError('event_rejected', message, [id], itemStatus));
      sentIds.delete(id);
    }
  }
  return { sent: sentIds.size, errors, failed: ids.length - sentIds.size };
}

function merge(a: DeliveryReport, b: DeliveryReport, retries: number): DeliveryReport {
  return {
    sent: a.sent + b.sent,
    errors: [...a.errors, ...b.errors],
    failed: a.failed + b.failed,
    retries: retries + a.retries + b.retries,
  };
}

/** The contract's error body is `{"error": {"code", "message"}}`. */
function errorMessage(text: string): string | undefined {
  const parsed = parseJson(text) as { error?: { code?: unknown; message?: unknown } } | undefined;
  const error = parsed?.error;
  if (!error) return text.trim() ? text.trim().slice(0, 500) : undefined;
  return [error.code, error.message].filter((part) => typeof part === 'string').join(': ') || undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
  }
  return String(error);
}
