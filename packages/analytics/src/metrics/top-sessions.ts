// The candidates of a top-N list of sessions by spend (the dashboard's top sessions), so that the
// metrics query groups those sessions only, not every session of the range (at 10M calls, grouping
// the 2M sessions of the daily rollup took 190-290 ms, and with ragged bounds a second GROUP BY over
// the rollup's and the raw edges' rows 310-400).
//
// calls_session_steps holds each session's live spend and the hull of its hours (migrations 0015,
// 0024; one row per session once merged). A session whose hull lies inside the range spends there
// exactly its row's spend. So the answer is among
//   * the top N of those sessions by spend as the list rounds it, with ties (any other such session
//     has N sessions of exactly known, higher spend before it);
//   * the sessions cut by a bound (their spend in the range is only part of theirs);
//   * the sessions with rows outside the table's largest part (not merged yet: that row is partial),
//     which are left out of the first list;
//   * '', the group of the calls without a session, which the steps table does not hold.
// getMetrics then computes the list over those sessions as it would over all (one definition), and
// the list's order and limit pick the answer. A load can come between the two reads: on a ClickHouse
// server at any time, on the embedded store when the gate lets a waiting loader turn in between a
// query's statements (YIELD_AFTER_MS). A session whose spend passes the list's last one just then
// shows from the next query on, as with any two statements read during ingestion.
import { queryRows } from '@margin/clickhouse';
import { activeFilters, cutOffsets, hashNumber, HULL_ENDS_FROM, HULL_INSIDE, rangeParams, type TimeRange } from '../sql/index.ts';
import type { MetricsContext, MetricsOptions, MetricsQuery } from './get-metrics.ts';
import { inStableParts, KEY_COUNT_LIMITS, type KeyCountLimits } from './key-count.ts';

/** Beyond this many candidates the restricted query saves little: the list is grouped over every session. */
export const MAX_SESSION_CANDIDATES = 20_000;

/** Whether the query is a top-N list of sessions by spend over unfiltered calls, which topSessionCandidates can narrow. */
export function isTopSessions(query: MetricsQuery, options: MetricsOptions = {}): boolean {
  return (
    options.source !== 'raw' &&
    query.group_by === 'session_id' &&
    query.order_by === 'spend' &&
    query.limit !== undefined &&
    activeFilters(query.filters ?? {}).length === 0 &&
    query.filters?.session_ids === undefined
  );
}

/**
 * The session ids the top `limit` sessions by spend over `range` are among, or null when the steps
 * table has too much outside its largest part (KEY_COUNT_LIMITS) or the candidates are too many.
 */
export async function topSessionCandidates(ctx: MetricsContext, range: TimeRange, limit: number, limits: KeyCountLimits = KEY_COUNT_LIMITS): Promise<string[] | null> {
  const ids = await inStableParts(ctx.ch, 'calls_session_steps', limits, [''], (parts) => candidatesInParts(ctx, range, limit, parts));
  return ids && ids.length > MAX_SESSION_CANDIDATES ? null : ids;
}

async function candidatesInParts(ctx: MetricsContext, range: TimeRange, limit: number, parts: string[]): Promise<string[]> {
  const steps = 'calls_session_steps WHERE project_id = {projectId:String} AND _part IN {parts:Array(String)}';
  const largest = `${steps} AND _part = {largest:String}`;
  const others = `${steps} AND _part != {largest:String}`;
  const merged = parts.length > 1;
  const notOutside = merged ? ` AND ${hashNumber('session_hash')} NOT IN (SELECT ${hashNumber('session_hash')} FROM ${others})` : '';
  const inside = `${largest} AND requests > 0 AND ${HULL_ENDS_FROM} AND ${HULL_INSIDE}${notOutside}`;
  // The top `limit` by rounded spend with ties are the rows whose rounded spend reaches that of the
  // limit-th largest spend (rounding keeps order). Not ORDER BY round(...) LIMIT WITH TIES: over the
  // 2M sessions of 10M calls that sort took 98 ms against 35 for a plain top-N and 56 for the whole
  // pair. Rows by their offset in the part, so that session_id is read for the few found only (read
  // with the sort, it was most of the statement's 190-250 ms; 98-106 ms now).
  const top = `SELECT _part_offset FROM ${inside}
    AND round(cost_total, 9) >= (SELECT round(min(cost), 9) FROM (SELECT cost_total AS cost FROM ${inside} ORDER BY cost_total DESC LIMIT {limit:UInt32}))`;
  const [row] = await queryRows<{ ids: string[] }>(
    ctx.ch,
    `SELECT groupUniqArray(session_id) AS ids FROM (
       SELECT session_id FROM ${largest} AND _part_offset IN (${top} UNION ALL ${cutOffsets(largest)})
       ${merged ? `UNION ALL SELECT session_id FROM ${others}` : ''})`,
    { tag: 'metrics.top_sessions.candidates', params: { projectId: ctx.projectId, parts, largest: parts[0], limit, ...rangeParams(range) } },
  );
  return ['', ...(row?.ids ?? [])];
}
