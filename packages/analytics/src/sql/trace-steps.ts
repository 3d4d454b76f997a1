// Shared blocks over calls_trace_steps (migration 0011; keyed by trace key since 0014) and
// calls_session_steps (0015): one row per trace or session once merged, with its live calls
// (`requests`, a signed sum) and the hull of every hour a copy of its calls was ever in (`min_hour`,
// `max_hour`: never narrower than the live calls' hours).
// Readers take the table's largest part as it is and merge only the traces that also have rows in
// other parts (key-count.ts, waste-loops.ts, waste-tools.ts), found by their key's hash (0022).
import { queryRows, type ClickHouse } from '@margin/clickhouse';
import { toClickHouseTime } from './time-range.ts';

// The hulls are whole hours (DateTime), compared with the bounds rounded to whole hours once, as
// DateTime constants: compared with the DateTime64 bounds, each row's hour was converted first (the
// cut traces of 30 days of 10M calls: 88 against 44 ms to count them, 220 against 60 with their hash).
const floorHour = (bound: string) => `toDateTime(toStartOfHour({${bound}:DateTime64(3, 'UTC')}), 'UTC')`;
const ceilHour = (bound: string) => `(toDateTime(toStartOfHour({${bound}:DateTime64(3, 'UTC')} - toIntervalMillisecond(1)), 'UTC') + 3600)`;

/** A trace whose hours lie inside [from, to) (parameters of rangeParams): min_hour >= from, max_hour + 1 h <= to. */
export const HULL_INSIDE = `min_hour >= ${ceilHour('from')} AND max_hour < ${floorHour('to')}`;
/** A trace with a call hour overlapping [from, to): max_hour + 1 h > from, min_hour < to. */
export const HULL_OVERLAPS = `max_hour >= ${floorHour('from')} AND min_hour < ${ceilHour('to')}`;
/**
 * A hull a bound of [from, to) cuts (HULL_OVERLAPS AND NOT HULL_INSIDE) when no hull is longer than
 * `span` seconds ends near that bound: it starts before the first whole hour and ends in it or later,
 * so it ends before that hour + span; or it ends in the last hour or later and starts before the end,
 * so it ends before ceil(to) + span. A condition on max_hour alone, for a table sorted by it.
 */
export const hullNearBounds = (span: string): string =>
  `((max_hour >= ${floorHour('from')} AND max_hour < ${ceilHour('from')} + ${span})
    OR (max_hour >= ${floorHour('to')} AND max_hour < ${ceilHour('to')} + ${span}))`;
/** A trace whose hours end in the first hour of [from, to) or later: implied by HULL_INSIDE and HULL_OVERLAPS, and a range of the projection by last hour (0023). */
export const HULL_ENDS_FROM = `max_hour >= ${floorHour('from')}`;
/** A trace with an hour in the last hour of [from, to) or later: not inside by its end. */
export const HULL_ENDS_AFTER = `max_hour >= ${floorHour('to')}`;
/** A trace with an hour before the first whole hour of [from, to): not inside by its start. */
export const HULL_STARTS_BEFORE = `min_hour < ${ceilHour('from')}`;

/** The longest hull among the project's traces, in seconds: over every part, from its aggregate projection (0026). */
export const LONGEST_TRACE_HULL = `(SELECT max(max_hour - min_hour) FROM calls_trace_steps WHERE project_id = {projectId:String})`;

/**
 * `hour` (a DateTime column) lies where a trace with calls on both sides of a bound of [from, to)
 * must have a call inside the range, when no hull is longer than `span` seconds: a call before the
 * range (its hour ends by `from`) is at most `span` before one inside, so that one is in the
 * range's first hours, [floor(from), floor(from) + span); a call after it (hour at or after `to`) is
 * at most `span` after one inside, in [ceil(to) - span, ceil(to)).
 */
export const nextToBounds = (hour: string, span: string): string =>
  `((${hour} >= ${floorHour('from')} AND ${hour} < ${floorHour('from')} + ${span})
    OR (${hour} >= ${ceilHour('to')} - ${span} AND ${hour} < ${ceilHour('to')}))`;

/**
 * `hour` (a DateTime column) lies where a call may be whose trace also has a call inside [from, to),
 * when no hull is longer than `span` seconds: within `span` of the range's first hour or its last.
 */
export const nearRange = (hour: string, span: string): string => `(${hour} >= ${floorHour('from')} - ${span} AND ${hour} < ${ceilHour('to')} + ${span})`;

/**
 * The offsets (`_part_offset`) of the rows of `steps` (a steps table and its WHERE) whose hull a
 * bound of [from, to) cuts (HULL_OVERLAPS AND NOT HULL_INSIDE), as two disjoint reads each of which an
 * index narrows: those reaching the range's last hour or beyond, a range of the projection by last
 * hour (0023); and those ending before it that start before the range, which the minmax index on
 * min_hour skips when the range starts before the data. In one condition the whole table was read
 * (33 against 10 ms for the whole period of 10M calls).
 */
export const cutOffsets = (steps: string): string =>
  `SELECT _part_offset FROM ${steps} AND ${HULL_ENDS_AFTER} AND min_hour < ${ceilHour('to')}
   UNION ALL
   SELECT _part_offset FROM ${steps} AND NOT (${HULL_ENDS_AFTER}) AND ${HULL_ENDS_FROM} AND ${HULL_STARTS_BEFORE}`;

/**
 * A key hash column (FixedString(16), migration 0022) as a number: a set of UInt128 is faster to
 * probe than one of FixedString(16) (95 against 160 ms for 7.5M rows against 74,000 keys).
 */
export const hashNumber = (column: string): string => `reinterpretAsUInt128(${column})`;

/** Key hashes sent back as hex in the array parameter `param`, as the FixedString(16) values they were read as. */
export const hashesFromHex = (param: string): string => `(SELECT toFixedString(unhex(arrayJoin({${param}:Array(String)})), 16))`;

/**
 * The rows whose key hash (a FixedString(16) column, migration 0022) is among those of the rows
 * `FROM ${others}` (a table and its WHERE): the keys outside a table's largest part, whose rows there
 * lie in every granule. A PREWHERE on the hashes' first 8 bytes, then the WHERE on all 16, which
 * keeps the count exact: at 7.5M traces with 74,000 outside, 94 against 121 ms for 16 bytes alone,
 * where both conditions in one WHERE took 150 (bench/queries/run.ts --unmerged).
 */
export function hashAmong(hash: string, others: string): { prewhere: string; where: string } {
  const among = (value: (column: string) => string) => `${value(hash)} IN (SELECT ${value(hash)} FROM ${others})`;
  return { prewhere: among((column) => `reinterpretAsUInt64(${column})`), where: among(hashNumber) };
}

/** The active parts of a table, largest first, with their rows (every project's). */
export async function partRows(ch: ClickHouse, table: string): Promise<{ part: string; rows: number }[]> {
  const rows = await queryRows<{ part: string; rows: string }>(
    ch,
    `SELECT name AS part, rows FROM system.parts
     WHERE database = currentDatabase() AND table = {table:String} AND active ORDER BY rows DESC, name`,
    { tag: 'parts', params: { table } },
  );
  return rows.map((row) => ({ part: row.part, rows: Number(row.rows) }));
}

/** The active parts of calls_trace_steps, largest first. */
export async function traceStepsParts(ch: ClickHouse): Promise<string[]> {
  return (await partRows(ch, 'calls_trace_steps')).map((row) => row.part);
}

/** A key's hull as a query returns it (HULL_COLUMNS): first and last hour, in seconds. */
export interface Hull {
  hull_from: number | string;
  hull_to: number | string;
}

/** The SELECT columns of a Hull (other names than the columns, which the conditions above read). */
export const HULL_COLUMNS = 'toUInt32(min_hour) AS hull_from, toUInt32(max_hour) AS hull_to';

/**
 * Where in [from, to) the live rows of keys cut by a bound can lie: a key's rows lie inside its hull,
 * so those cut by `from` end before the latest hull end among them, and those cut by `to` start at
 * the earliest hull start among them. `timestamp < {cut_before} OR timestamp >= {cut_from}`: two
 * runs of hours at the bounds (the sorting key's hour keeps the raw read there) instead of the
 * whole range. A key cut by both bounds makes it the whole range.
 */
export function cutWindow(range: { from: number; to: number }, hulls: Hull[]): { sql: string; params: Record<string, string> } {
  let before = range.from;
  let from = range.to;
  for (const hull of hulls) {
    const first = Number(hull.hull_from) * 1000;
    const end = Number(hull.hull_to) * 1000 + 3_600_000;
    if (first < range.from) before = Math.max(before, end);
    if (end > range.to) from = Math.min(from, first);
  }
  return {
    sql: "(timestamp < {cut_before:DateTime64(3, 'UTC')} OR timestamp >= {cut_from:DateTime64(3, 'UTC')})",
    params: { cut_before: toClickHouseTime(Math.min(before, range.to)), cut_from: toClickHouseTime(Math.max(from, range.from)) },
  };
}

/** Traces cut by a bound, as the raw readers take them: their ids and the window their rows lie in. */
export interface CutTraces {
  ids: string[];
  window: { sql: string; params: Record<string, string> };
}

/** CutTraces of traces named with their hulls (HULL_COLUMNS). */
export function cutTraces(range: { from: number; to: number }, traces: ({ trace_id: string } & Hull)[]): CutTraces {
  return { ids: traces.map((trace) => trace.trace_id), window: cutWindow(range, traces) };
}
