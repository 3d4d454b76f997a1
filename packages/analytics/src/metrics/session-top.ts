// The top sessions of a range (group_by=session_id with order_by and limit, unfiltered, whole days)
// from calls_session_steps (migrations 0015, 0022): one row per session once merged, with its live
// calls, spend and hull (the hours any copy of its calls was ever in). The daily rollup
// calls_daily_sessions answers the same by adding up its (day, session) rows by session_id: about
// 2M rows at 10M demo calls, 215 ms, most of it the hash table of 2M session ids. Here a session is
//   * hull inside the range: its row is the whole answer (its live calls lie in its hull); only the
//     `limit` best of them by the order are read, in that order;
//   * hull outside the range: not there;
//   * hull cut by a bound: its days inside the range are added up in calls_daily_sessions, for the
//     few sessions active across a bound and the days their hulls reach at each bound;
// and the calls without a session are the group '' (calls_daily_sessions' first key of each day).
// The three are disjoint groups, so ordering them together and taking `limit` gives the same rows
// as the daily rollup does. The steps table is read with FINAL, which adds up a session's rows left in
// several parts (the table is sorted by session_id: about 60 ms at 2M sessions, merged or not).
import { queryRows } from '@margin/clickhouse';
import { activeFilters, cutBounds, DAY_MS, HULL_COLUMNS, HULL_INSIDE, HULL_OVERLAPS, isAligned, rangeCondition, rangeParams, type Filters, type GroupBy, type Hull, type SqlFragment, type TimeRange } from '../sql/index.ts';
import { neededAggregates } from './plan.ts';
import { METRICS, type MetricName } from './registry.ts';

/** The aggregates calls_session_steps holds per session. */
const STEP_AGGREGATES: ReadonlySet<string> = new Set(['requests', 'spend']);

export interface SessionTopQuery {
  range: TimeRange;
  metrics: MetricName[];
  group_by?: GroupBy | undefined;
  filters?: Filters | undefined;
  order_by?: MetricName | undefined;
  limit?: number | undefined;
}

/**
 * Whether the query is a top-N list of sessions this answers: grouped by session, ordered and
 * limited, no filter (the steps table has no dimensions), whole days (cut sessions are settled by
 * the daily rollup), and every metric and the order made of a session's requests and spend only.
 */
export function servesSessionTop(query: SessionTopQuery, source: 'auto' | 'raw' = 'auto'): boolean {
  if (source === 'raw' || query.group_by !== 'session_id' || !query.order_by || query.limit === undefined) return false;
  if (activeFilters(query.filters ?? {}).length > 0 || !isAligned(query.range, DAY_MS)) return false;
  const { group, totals } = neededAggregates([...query.metrics, query.order_by]);
  return totals.length === 0 && group.every((aggregate) => STEP_AGGREGATES.has(aggregate));
}

/** Sessions cut by a bound, with the first and last hour of their hulls (epoch seconds). */
interface CutSession extends Hull {
  session_id: string;
}

/**
 * The group part of the metrics statement (columns group_key, a_requests, a_spend), after one
 * statement that finds the sessions cut by a bound. `order_by` and `limit` are the query's.
 */
export async function sessionTopPart(
  ctx: { ch: Parameters<typeof queryRows>[0]; projectId: string },
  query: SessionTopQuery & { order_by: MetricName; limit: number },
): Promise<SqlFragment> {
  const range = query.range;
  const params: Record<string, unknown> = { projectId: ctx.projectId, ...rangeParams(range), top: query.limit };
  const steps = 'calls_session_steps FINAL WHERE project_id = {projectId:String}';
  const cut = await queryRows<CutSession>(
    ctx.ch,
    `SELECT session_id, ${HULL_COLUMNS}
     FROM ${steps} AND ${HULL_OVERLAPS} AND NOT (${HULL_INSIDE})`,
    { tag: 'metrics.session_top.cut', params },
  );
  const order = `${METRICS[query.order_by].sql} DESC, group_key`;
  const columns = 'session_id AS group_key, requests AS a_requests, cost_total AS a_spend';
  const daily = (condition: string) =>
    `SELECT session_id AS group_key, sum(requests) AS a_requests, sum(cost_total) AS a_spend
     FROM calls_daily_sessions
     WHERE project_id = {projectId:String} AND ${rangeCondition('day', 'date')} AND ${condition}
     GROUP BY group_key HAVING a_requests > 0`;
  const branches = [
    `SELECT * FROM (SELECT ${columns} FROM ${steps} AND ${HULL_INSIDE} AND requests > 0 ORDER BY ${order} LIMIT {top:UInt32})`,
    daily("session_id = ''"),
  ];
  if (cut.length > 0) {
    Object.assign(params, cutDays(range, cut), { cut: cut.map((session) => session.session_id) });
    branches.push(
      daily('(day < {cut_before:Date} OR day >= {cut_from:Date}) AND session_hash IN (SELECT sipHash128(arrayJoin({cut:Array(String)})))'),
    );
  }
  return { sql: branches.join(' UNION ALL '), params };
}

/**
 * The days at each bound where the cut sessions' calls in the range can lie: cutWindow's hours
 * (sql/trace-steps.ts) widened to whole days, as `YYYY-MM-DD`. A session cut by both bounds makes it
 * the whole range.
 */
function cutDays(range: TimeRange, cut: CutSession[]): { cut_before: string; cut_from: string } {
  const { before, from } = cutBounds({ from: range.fromMs, to: range.toMs }, cut);
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  // the first day at or after the hour `before` ends in, and the day `from` falls on
  return { cut_before: day(Math.ceil(Math.min(before, range.toMs) / DAY_MS) * DAY_MS), cut_from: day(Math.floor(Math.max(from, range.fromMs) / DAY_MS) * DAY_MS) };
}
