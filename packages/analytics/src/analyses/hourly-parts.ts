// Where an analysis reads its sums: the whole UTC hours of its range from an hourly rollup
// (calls_hourly, migration 0004, or calls_hourly_mix, 0010), the ragged edges from the deduplicated
// raw calls, as one UNION ALL of rows of the same shape. Every rollup measure is a signed sum over the
// newest copy of each id (or, for the mix's minima, exact wherever a group never took a correction),
// so the union's sums equal the raw answer.
import { queryRows } from '@margin/clickhouse';
import { fromClickHouseTime, HOUR_MS, RAW_CALLS, rangeCondition, rangeParams as timeParams, toClickHouseTime } from '../sql/index.ts';
import type { AnalysisContext } from './context.ts';

export interface RangePart {
  source: 'rollup' | 'raw';
  from: number;
  to: number;
}

/** The whole hours inside [from, to) from the rollup, the rest raw; all raw when asked or when no whole hour fits. */
export function rangeParts(ctx: AnalysisContext, range: { from: number; to: number }): RangePart[] {
  const hoursFrom = Math.ceil(range.from / HOUR_MS) * HOUR_MS;
  const hoursTo = Math.floor(range.to / HOUR_MS) * HOUR_MS;
  if (ctx.source === 'raw' || hoursFrom >= hoursTo) return [{ source: 'raw', ...range }];
  const parts: RangePart[] = [];
  if (range.from < hoursFrom) parts.push({ source: 'raw', from: range.from, to: hoursFrom });
  parts.push({ source: 'rollup', from: hoursFrom, to: hoursTo });
  if (hoursTo < range.to) parts.push({ source: 'raw', from: hoursTo, to: range.to });
  return parts;
}

/** An hourly rollup and, per measure it serves, the aggregate over raw calls (read as `d.<column>`) that gives the same value. */
export interface HourlyTable {
  table: string;
  measures: Record<string, string>;
}

const LISTED = "d.price_source IN ('catalog', 'project')";
const PREFIX = 'd.system_tokens + d.tool_definition_tokens';
const MAX_U64 = '18446744073709551615';

/** calls_hourly (0004): the measures the analyses read. */
export const CALLS_HOURLY: HourlyTable = {
  table: 'calls_hourly',
  measures: {
    requests: 'toInt64(count())',
    error_requests: "toInt64(countIf(d.status = 'error'))",
    retry_requests: 'toInt64(countIf(d.attempt > 1))',
    input_tokens: 'sum(toInt64(d.input_tokens))',
    output_tokens: 'sum(toInt64(d.output_tokens))',
    cache_read_tokens: 'sum(toInt64(d.cache_read_tokens))',
    system_tokens: 'sum(toInt64(d.system_tokens))',
    tool_definition_tokens: 'sum(toInt64(d.tool_definition_tokens))',
    retrieval_tokens: 'sum(toInt64(d.retrieval_tokens))',
    history_tokens: 'sum(toInt64(d.history_tokens))',
    tool_result_tokens: 'sum(toInt64(d.tool_result_tokens))',
    anatomy_input_tokens: 'sumIf(toInt64(d.input_tokens), d.user_input_tokens IS NOT NULL)',
    anatomy_output_tokens: 'sumIf(toInt64(d.output_tokens), d.user_input_tokens IS NOT NULL)',
    anatomy_user_input_tokens: 'sum(toInt64(ifNull(d.user_input_tokens, 0)))',
    cost_total: 'sum(toDecimal128(d.cost_total, 12))',
    error_cost: "sumIf(toDecimal128(d.cost_total, 12), d.status = 'error')",
    retry_cost: 'sumIf(toDecimal128(d.cost_total, 12), d.attempt > 1)',
    cache_savings_micro: 'sum(d.cache_read_tokens * toDecimal128(d.input_price - d.cache_read_price, 9))',
  },
};

/** calls_hourly_mix (0010), keyed by name, model and batch: the same SELECT as its view, each call a +1. */
export const CALLS_HOURLY_MIX: HourlyTable = {
  table: 'calls_hourly_mix',
  measures: {
    requests: 'toInt64(count())',
    listed_requests: `toInt64(countIf(${LISTED}))`,
    listed_input_price: `sumIf(toDecimal128(d.input_price, 9), ${LISTED})`,
    listed_output_price: `sumIf(toDecimal128(d.output_price, 9), ${LISTED})`,
    input_tokens: 'sum(toInt64(d.input_tokens))',
    output_tokens: 'sum(toInt64(d.output_tokens))',
    cache_read_tokens: 'sum(toInt64(d.cache_read_tokens))',
    cache_write_tokens: 'sum(toInt64(d.cache_write_tokens))',
    uncached_input_tokens: 'sum(greatest(toInt64(d.input_tokens) - d.cache_read_tokens - d.cache_write_tokens, 0))',
    cost_total: 'sum(toDecimal128(d.cost_total, 12))',
    cache_price_gap: 'sum(toDecimal128(d.input_price - d.cache_read_price, 9))',
    cache_saved_micro: 'sum(d.cache_read_tokens * toDecimal128(d.input_price - d.cache_read_price, 9))',
    cache_write_premium: 'sum(toDecimal128(greatest(d.cache_write_price - d.input_price, toDecimal64(0, 9)), 9))',
    prefix_requests: `toInt64(countIf(${PREFIX} > 0))`,
    min_prefix_tokens: `min(if(${PREFIX} > 0, toUInt64(${PREFIX}), ${MAX_U64}))`,
    min_input_tokens: 'min(toUInt64(d.input_tokens))',
    corrections: 'toInt64(0)',
  },
};

export interface UnionOptions {
  /** Columns both sources have as they are (name, model, batch), plus `hour` if wanted. */
  keys: string[];
  measures: string[];
  /** Extra condition on key columns, valid on both (no `d.` prefix: the key columns have the same names). */
  where?: string;
  /** Whole hours (epoch ms) of the rollup's part to read from raw calls instead. */
  rawHours?: number[];
}

/**
 * `SELECT <keys>, <measures> FROM ... UNION ALL ...` over the parts, one row per (part, keys) from
 * raw calls and per rollup row, with the parameters (projectId, p<i>_from, p<i>_to). The caller
 * aggregates it again (sum, or min for the minima).
 */
export function hourlyUnion(
  ctx: AnalysisContext,
  range: { from: number; to: number },
  table: HourlyTable,
  options: UnionOptions,
): { sql: string; params: Record<string, unknown> } {
  const params: Record<string, unknown> = { projectId: ctx.projectId };
  const extra = options.where ? ` AND (${options.where})` : '';
  const keys = options.keys.map((key) => (key === 'hour' ? 'toStartOfHour(d.timestamp) AS hour' : key));
  const measures = options.measures.map((m) => `${table.measures[m] ?? missing(table, m)} AS ${m}`);
  const groupBy = options.keys.length ? `GROUP BY ${options.keys.join(', ')}` : '';
  const raw = (condition: string) => `SELECT ${[...keys, ...measures].join(', ')}
      FROM ${RAW_CALLS.replace('calls', 'calls AS d')} WHERE d.project_id = {projectId:String} AND ${condition}${extra}
      ${groupBy}`;
  const rawHours = options.rawHours ?? [];
  if (rawHours.length) params.raw_hours = rawHours.map((ms) => toClickHouseTime(ms).slice(0, 19));
  const selects = rangeParts(ctx, range).flatMap((part, i) => {
    const prefix = `p${i}_`;
    Object.assign(params, timeParams({ fromMs: part.from, toMs: part.to }, prefix));
    if (part.source === 'raw') return [raw(rangeCondition('d.timestamp', 'time', prefix))];
    const hours = rangeCondition('hour', 'time', prefix);
    const rollup = `SELECT ${[...options.keys, ...options.measures].join(', ')}
        FROM ${table.table} WHERE project_id = {projectId:String} AND ${hours}${extra}`;
    if (!rawHours.length) return [rollup];
    return [
      `${rollup} AND hour NOT IN {raw_hours:Array(DateTime('UTC'))}`,
      raw(`${rangeCondition('d.timestamp', 'time', prefix)} AND toStartOfHour(d.timestamp) IN {raw_hours:Array(DateTime('UTC'))}`),
    ];
  });
  return { sql: selects.map((s) => `(${s})`).join('\nUNION ALL\n'), params };
}

function missing(table: HourlyTable, measure: string): never {
  throw new Error(`${table.table} has no measure ${measure}`);
}

/** The whole hours of the range in which calls_hourly_mix took a correction (its minima may be stale there). */
export async function correctedHours(ctx: AnalysisContext, range: { from: number; to: number }): Promise<number[]> {
  const part = rangeParts(ctx, range).find((p) => p.source === 'rollup');
  if (!part) return [];
  const rows = await queryRows<{ corrected_hour: string }>(
    ctx.ch,
    `SELECT DISTINCT toString(hour) AS corrected_hour FROM calls_hourly_mix
     WHERE project_id = {projectId:String} AND ${rangeCondition('hour')} AND corrections > 0`,
    { tag: 'analyses.corrected_hours', params: { projectId: ctx.projectId, ...timeParams({ fromMs: part.from, toMs: part.to }) } },
  );
  return rows.map((row) => fromClickHouseTime(row.corrected_hour));
}

/**
 * `(SELECT <columns> ...)`: the project's live calls in [from, to) that match `condition` (on the
 * calls' own columns), read without FINAL wherever that is exact. A call has more than one copy in
 * calls only after the loader replaced one (it inserts a copy only when it is newer than every copy
 * stored, and records the replaced copy as a correction in its hour's calls_hourly_mix group; a
 * stale copy under another sorting key is deleted at once). So in a whole hour of the range with no
 * correction, every row is a live call and FINAL is not needed: without it a filter on a non-key
 * column is applied before reading the other columns (PREWHERE), where FINAL reads the sorting key of
 * every call of the range and merges the parts before it filters (cheap on a merged store: 98 against
 * 81 ms to count one feature's 951k calls of 10M; not while parts await merges). Hours that took a
 * correction and the ragged edges are read with FINAL. With `clean`, the uncorrected whole hours come
 * from a rollup fed from calls_delta with a row per call (no -1 row in those hours either): reading a
 * feature's calls out of `calls` touches every granule, as calls are sorted by hour, user, session.
 * The corrected hours are looked up by a statement before the read. A load between the two (on a
 * ClickHouse server at any time; on the embedded store when the gate lets a waiting loader turn in
 * between a query's statements) can replace a call in an hour not listed: that one answer reads both
 * copies from calls, the next is exact. With `clean` it cannot (the rollup takes the -1 row); for
 * efficiency's join two copies matter only when the replacement changed the call's name or model.
 * Looking the hours up in a subquery of the read closes the window (a test of it failed before and
 * passed after), but made efficiency over 30 ragged days of 10M calls slower in alternating rounds
 * (p50 307-352 against 274-280 ms; the FINAL branch is always there, and the uncorrected rows are
 * checked against the set), so it was left out.
 * Parameters: projectId, s<i>_from, s<i>_to, live_raw_hours.
 */
export async function liveCalls(
  ctx: AnalysisContext,
  range: { from: number; to: number },
  columns: string,
  /** Several conditions are read apart and joined with UNION ALL (a call matching two is read twice), with one lookup of the corrected hours. */
  condition: string | readonly string[],
  /** Reads the uncorrected whole hours from this table instead (same `columns` and `condition`, a `timestamp` column; every row live). */
  clean?: { table: string; columns: string },
): Promise<{ sql: string; params: Record<string, unknown> }> {
  const rawHours = await correctedHours(ctx, range);
  const params: Record<string, unknown> = { projectId: ctx.projectId, live_raw_hours: rawHours.map((ms) => toClickHouseTime(ms).slice(0, 19)) };
  const selects = (typeof condition === 'string' ? [condition] : condition).flatMap((where) => {
    const select = (from: string, when: string, what = columns) =>
      `SELECT ${what} FROM ${from} WHERE project_id = {projectId:String} AND ${when} AND (${where})`;
    const uncorrected = (when: string) => (clean ? select(clean.table, when, clean.columns) : select('calls', when));
    return rangeParts(ctx, range).flatMap((part, i) => {
      const prefix = `s${i}_`;
      Object.assign(params, timeParams({ fromMs: part.from, toMs: part.to }, prefix));
      const inPart = rangeCondition('timestamp', 'time', prefix);
      if (part.source === 'raw') return [select('calls FINAL', inPart)];
      if (!rawHours.length) return [uncorrected(inPart)];
      const corrected = "toStartOfHour(timestamp) IN {live_raw_hours:Array(DateTime('UTC'))}";
      return [uncorrected(`${inPart} AND NOT ${corrected}`), select('calls FINAL', `${inPart} AND ${corrected}`)];
    });
  });
  return { sql: `(${selects.join('\nUNION ALL\n')})`, params };
}
