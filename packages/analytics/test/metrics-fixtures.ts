// Test helpers for the metrics tests: a fresh chDB store per test file, call rows with defaults,
// and loading through the real loader (so calls_delta gets +1/-1 rows exactly as in production).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createClickHouse, loadBatch, migrateClickHouse, type ClickHouse } from '@margin/clickhouse';
import type { CallRow, SpanRow, TraceRow } from '@margin/core';

export async function freshClickHouse(prefix: string): Promise<ClickHouse> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `margin-${prefix}-`));
  const ch = await createClickHouse({ dataDir: dir });
  await migrateClickHouse(ch);
  return ch;
}

let versionClock = 1_000;

export function call(overrides: Partial<CallRow> & Pick<CallRow, 'id'>): CallRow {
  return {
    project_id: 'p1',
    timestamp: Date.UTC(2026, 0, 1, 10, 0, 0),
    trace_id: overrides.id,
    parent_id: '',
    name: 'chat',
    user_id: '',
    session_id: '',
    environment: 'production',
    tags: [],
    metadata: {},
    provider: 'openai',
    model: 'gpt-4o-mini',
    status: 'ok',
    error_message: '',
    attempt: 1,
    batch: false,
    duration_ms: 100,
    ttft_ms: null,
    input_tokens: 0,
    output_tokens: 0,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    reasoning_tokens: 0,
    system_tokens: 0,
    tool_definition_tokens: 0,
    retrieval_tokens: 0,
    history_tokens: 0,
    tool_result_tokens: 0,
    user_input_tokens: null,
    cost_input: '0',
    cost_output: '0',
    cost_cache_read: '0',
    cost_cache_write: '0',
    cost_total: '0',
    price_source: 'catalog',
    input_price: '0',
    output_price: '0',
    cache_read_price: '0',
    cache_write_price: '0',
    input: '',
    output: '',
    retention_days: 0,
    version: ++versionClock,
    ...overrides,
  };
}

/** Loads calls (and optionally spans and traces) the way the ingestion loader does, one batch. */
export async function insertCalls(ch: ClickHouse, calls: CallRow[], extra: { spans?: SpanRow[]; traces?: TraceRow[] } = {}): Promise<void> {
  await loadBatch(ch, { calls, spans: extra.spans ?? [], traces: extra.traces ?? [], scores: [] });
}

export const at = (day: number, hour: number, minute = 0): number => Date.UTC(2026, 0, day, hour, minute);
