// Column lists of the tables the loader writes, in row-type field names, and the compact insert
// (JSONCompactEachRow: arrays instead of objects, measured faster than JSONEachRow on chDB).
import type { ClickHouseSettings } from '@clickhouse/client';
import type { CallRow, ScoreRow, SpanRow, TraceRow } from '@margin/core';
import type { ClickHouse } from './client.ts';

/** Fails to compile when a row type gains a field the list lacks. */
type Covers<Row, List extends readonly (keyof Row)[]> = Exclude<keyof Row, List[number]> extends never ? List : never;

/**
 * A call as `calls` stores it (migration 0012): cost_input and version are ALIAS columns there,
 * computed as cost_total minus the other parts and as timestamp + version_lag.
 */
export type StoredCallRow = Omit<CallRow, 'cost_input' | 'version'> & { version_lag: number };

/** The stored form of a call; `version_lag` is ms from the call's timestamp to its ingestion. */
export function toStoredCall(row: CallRow): StoredCallRow {
  const { cost_input: _input, version, ...stored } = row;
  return Object.assign(stored, { version_lag: version - row.timestamp });
}

const callColumns = [
  'project_id', 'id', 'timestamp', 'trace_id', 'parent_id', 'name', 'user_id', 'session_id', 'environment', 'tags',
  'metadata', 'provider', 'model', 'status', 'error_message', 'attempt', 'batch', 'duration_ms', 'ttft_ms',
  'input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens', 'reasoning_tokens', 'system_tokens',
  'tool_definition_tokens', 'retrieval_tokens', 'history_tokens', 'tool_result_tokens', 'user_input_tokens',
  'cost_output', 'cost_cache_read', 'cost_cache_write', 'cost_total', 'price_source', 'input_price',
  'output_price', 'cache_read_price', 'cache_write_price', 'input', 'output', 'retention_days', 'version_lag',
] as const satisfies readonly (keyof StoredCallRow)[];
/** The columns an insert into `calls` names, in StoredCallRow field names. */
export const CALL_COLUMNS: Covers<StoredCallRow, typeof callColumns> = callColumns;

const spanColumns = [
  'project_id', 'id', 'timestamp', 'trace_id', 'parent_id', 'name', 'kind', 'environment', 'status', 'error_message',
  'duration_ms', 'tool_name', 'input_hash', 'input', 'output', 'metadata', 'retention_days', 'version',
] as const satisfies readonly (keyof SpanRow)[];
export const SPAN_COLUMNS: Covers<SpanRow, typeof spanColumns> = spanColumns;

const traceColumns = [
  'project_id', 'id', 'timestamp', 'name', 'user_id', 'session_id', 'environment', 'tags', 'metadata',
  'retention_days', 'version',
] as const satisfies readonly (keyof TraceRow)[];
export const TRACE_COLUMNS: Covers<TraceRow, typeof traceColumns> = traceColumns;

const scoreColumns = [
  'project_id', 'id', 'timestamp', 'trace_id', 'observation_id', 'name', 'value', 'comment', 'retention_days', 'version',
] as const satisfies readonly (keyof ScoreRow)[];
export const SCORE_COLUMNS: Covers<ScoreRow, typeof scoreColumns> = scoreColumns;

/** calls_delta's columns apart from `sign`: what rollups need of a call (migration 0003). */
export const DELTA_COLUMNS = [
  'project_id', 'id', 'timestamp', 'trace_id', 'name', 'user_id', 'session_id', 'environment', 'tags', 'provider',
  'model', 'status', 'attempt', 'batch', 'duration_ms', 'input_tokens', 'output_tokens', 'cache_read_tokens',
  'cache_write_tokens', 'reasoning_tokens', 'system_tokens', 'tool_definition_tokens', 'retrieval_tokens',
  'history_tokens', 'tool_result_tokens', 'user_input_tokens', 'cost_input', 'cost_output', 'cost_cache_read',
  'cost_cache_write', 'cost_total', 'price_source', 'input_price', 'output_price', 'cache_read_price',
  'cache_write_price', 'version',
] as const satisfies readonly (keyof CallRow)[];

/** Rows as arrays in `columns` order: the shape JSONCompactEachRow takes. */
export function toCompact<Row>(rows: readonly Row[], columns: readonly (keyof Row)[]): unknown[][] {
  const out = new Array<unknown[]>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const values = new Array<unknown>(columns.length);
    for (let c = 0; c < columns.length; c++) values[c] = row[columns[c]!];
    out[i] = values;
  }
  return out;
}

/** Calls in their stored form (toStoredCall) as JSONCompactEachRow rows in CALL_COLUMNS order. */
export function compactCalls(rows: readonly CallRow[]): unknown[][] {
  return toCompact(rows.map(toStoredCall), CALL_COLUMNS);
}

/** Inserts calls into `calls` in their stored form. */
export async function insertCalls(ch: ClickHouse, rows: readonly CallRow[], settings: ClickHouseSettings = {}): Promise<void> {
  await insertCompact(ch, 'calls', CALL_COLUMNS, rows.map(toStoredCall), settings);
}

export async function insertCompact<Row>(
  ch: ClickHouse,
  table: string,
  columns: readonly (keyof Row & string)[],
  rows: readonly Row[],
  settings: ClickHouseSettings = {},
): Promise<void> {
  if (rows.length === 0) return;
  await ch.client.insert({
    table,
    format: 'JSONCompactEachRow',
    columns: columns as unknown as [string, ...string[]],
    values: toCompact(rows, columns),
    clickhouse_settings: { log_comment: `load.${table}`, ...settings },
  });
}
