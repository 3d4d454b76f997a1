// The rows an analysis reads: the project's deduplicated calls (or spans) in [from, to), built from the
// shared SQL blocks of src/sql (the same WHERE and deduplication as the metrics), and the query call
// that runs with their settings.
import { queryRows, type ClickHouse, type QueryOptions } from '@margin/clickhouse';
import { RAW_CALLS, RAW_SETTINGS, rawCallsWhere } from '../sql/index.ts';

const WHERE = rawCallsWhere('', { fromMs: 0, toMs: 0 }, {}).sql;

/** `calls FINAL WHERE <project> AND <range>`: append `AND ...` for more conditions. */
export const CALLS_IN_RANGE = `${RAW_CALLS} ${WHERE}`;
/** The same over spans (same key, partitions and deduplication as calls). */
export const SPANS_IN_RANGE = `spans FINAL ${WHERE}`;

/** The parameters of CALLS_IN_RANGE / SPANS_IN_RANGE: projectId, from, to. */
export const rangeParams = (projectId: string, range: { from: number; to: number }): Record<string, unknown> =>
  rawCallsWhere(projectId, { fromMs: range.from, toMs: range.to }, {}).params;

/** queryRows with the settings the raw (FINAL) reads are meant to run with. */
export function queryAnalysis<T>(ch: ClickHouse, sql: string, options: QueryOptions): Promise<T[]> {
  return queryRows<T>(ch, sql, { ...options, settings: { ...RAW_SETTINGS, ...options.settings } });
}
