// Test helpers for the metrics tests: a fresh chDB store per test file, call rows with defaults,
// and loading through the real loader (so calls_delta gets +1/-1 rows exactly as in production).
import { loadBatch, type ClickHouse } from '@margin/clickhouse';
import { emptyCallRow, withCostParts, type CallRow, type ScoreRow, type SpanRow, type TraceRow } from '@margin/core';
import { freshClickHouse } from './support/store.ts';

export { freshClickHouse };

let versionClock = 1_000;

export function call(overrides: Partial<CallRow> & Pick<CallRow, 'id'>): CallRow {
  const row: CallRow = {
    ...emptyCallRow('p1', overrides.id, Date.UTC(2026, 0, 1, 10, 0, 0)),
    trace_id: overrides.id,
    name: 'chat',
    provider: 'openai',
    model: 'gpt-4o-mini',
    duration_ms: 100,
    price_source: 'catalog',
    version: ++versionClock,
    ...overrides,
  };
  return withCostParts(row, overrides);
}

/** Loads calls (and optionally spans and traces) the way the ingestion loader does, one batch. */
export async function insertCalls(ch: ClickHouse, calls: CallRow[], extra: { spans?: SpanRow[]; traces?: TraceRow[]; scores?: ScoreRow[] } = {}): Promise<void> {
  await loadBatch(ch, { calls, spans: extra.spans ?? [], traces: extra.traces ?? [], scores: extra.scores ?? [] });
}

export const at = (day: number, hour: number, minute = 0): number => Date.UTC(2026, 0, day, hour, minute);
