// The one path every way in ends on: validate each event, price and normalise the good ones with the
// project's settings, write them durably, and answer per event. Native, OTLP and Langfuse all call it.
import { BacklogFullError, type EventWriter } from '@margin/clickhouse';
import { parseEvent, toRows, type NormaliseContext, type RowBatch, type TEvent } from '@margin/core';
import type { AuthContext } from './auth/index.ts';
import { apiError, type ApiError } from './http/respond.ts';
import type { PricerCache } from './pricing/pricer-cache.ts';

export interface IngestDeps {
  writer: EventWriter;
  pricerCache: PricerCache;
}

export interface EventOutcome {
  successes: { id: string; status: 201 }[];
  errors: { id: string; status: 400; message: string }[];
  /** By position in the input: null when stored, else why not. */
  messages: (string | null)[];
}

/** An event that did not validate, known by its index when it has no usable id. */
const idOf = (raw: unknown, index: number): string => {
  const id = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
  return typeof id === 'string' && id.length > 0 ? id.slice(0, 128) : `events[${index}]`;
};

// Versions must grow even for two requests in the same millisecond: the later copy of an id wins.
let lastVersion = 0;
export const nextVersion = (): number => (lastVersion = Math.max(Date.now(), lastVersion + 1));

/** Validates, prices and stores `raw` events; resolves once every success is durable. */
export async function ingestEvents(raw: readonly unknown[], auth: AuthContext, deps: IngestDeps): Promise<EventOutcome | ApiError> {
  const outcome: EventOutcome = { successes: [], errors: [], messages: raw.map(() => null) };
  const valid: TEvent[] = [];
  const positions: number[] = [];
  raw.forEach((event, index) => {
    const result = parseEvent(event);
    if (result.ok) {
      valid.push(result.event);
      positions.push(index);
    } else {
      outcome.errors.push({ id: idOf(event, index), status: 400, message: result.message });
      outcome.messages[index] = result.message;
    }
  });
  if (valid.length === 0) return outcome;

  let pricer;
  try {
    pricer = await deps.pricerCache.get(auth.projectId);
  } catch {
    return apiError(503, 'unavailable', "cannot load the project's prices right now: the database is unreachable", 2);
  }
  const ctx: NormaliseContext = {
    projectId: auth.projectId,
    retentionDays: auth.project.retentionDays ?? 0,
    storeContent: auth.project.storeContent,
    now: nextVersion(),
    pricer,
  };
  const batch = normalise(valid, positions, ctx, outcome);
  try {
    if (batch.calls.length + batch.spans.length + batch.traces.length + batch.scores.length > 0) await deps.writer.write(batch);
  } catch (error) {
    if (error instanceof BacklogFullError) {
      return apiError(503, 'unavailable', 'ingestion is behind: retry later', error.retryAfterSeconds);
    }
    return apiError(503, 'unavailable', `could not store the events: ${(error as Error).message}`, 5);
  }
  return outcome;
}

/** All rows at once; should one event break normalisation, it alone is answered 400. */
function normalise(events: TEvent[], positions: number[], ctx: NormaliseContext, outcome: EventOutcome): RowBatch {
  try {
    const batch = toRows(events, ctx);
    for (const event of events) outcome.successes.push({ id: event.id, status: 201 });
    return batch;
  } catch {
    const batch: RowBatch = { calls: [], spans: [], traces: [], scores: [] };
    events.forEach((event, i) => {
      try {
        const rows = toRows([event], ctx);
        batch.calls.push(...rows.calls);
        batch.spans.push(...rows.spans);
        batch.traces.push(...rows.traces);
        batch.scores.push(...rows.scores);
        outcome.successes.push({ id: event.id, status: 201 });
      } catch (error) {
        const message = `could not normalise the event: ${(error as Error).message}`;
        outcome.errors.push({ id: event.id, status: 400, message });
        outcome.messages[positions[i]!] = message;
      }
    });
    return batch;
  }
}
