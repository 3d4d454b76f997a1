// Shared blocks over calls_trace_steps (migration 0011; keyed by trace key since 0014) and
// calls_session_steps (0015): one row per trace or session once merged, with its live calls
// (`requests`, a signed sum) and the hull of every hour a copy of its calls was ever in (`min_hour`,
// `max_hour`: never narrower than the live calls' hours).
// Readers take the table's largest part as it is and merge only the traces that also have rows in
// other parts (trace-count.ts, waste-loops.ts).
import { queryRows, type ClickHouse } from '@margin/clickhouse';

/** A trace whose hours lie inside [from, to) (parameters of rangeParams). */
export const HULL_INSIDE = "min_hour >= {from:DateTime64(3, 'UTC')} AND max_hour + 3600 <= {to:DateTime64(3, 'UTC')}";
/** A trace with a call hour overlapping [from, to) (hour + 1 h > from). */
export const HULL_OVERLAPS = "max_hour + 3600 > {from:DateTime64(3, 'UTC')} AND min_hour < {to:DateTime64(3, 'UTC')}";

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
