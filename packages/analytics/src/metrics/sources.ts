// Where a metrics query reads from: the deduplicated raw calls, or one of the rollups. Each source
// says which dimensions it can filter and group by, its time grain, and how to select its rows.
import { filterConditions, RAW_DIMENSIONS, RAW_CALLS, rangeCondition, rangeParams, DAY_MS, HOUR_MS } from '../sql/index.ts';
import type { DimensionColumns, Filters, GroupBy, SqlFragment, TimeColumn, TimeRange } from '../sql/index.ts';
import type { SourceId } from './aggregates.ts';

export interface MetricsSource {
  id: SourceId;
  dimensions: DimensionColumns;
  /** The calls' tags array (raw): filters by tag and groups by each tag. */
  tagsColumn?: string;
  /** One tag per row (calls_hourly_tags): groups by tag, cannot filter by one. */
  tagColumn?: string;
  time: TimeColumn;
  /** Bounds must be multiples of this to read the source (0: any). */
  grainMs: number;
  /**
   * `FROM ... WHERE ...` over this source for one project, range and filters; `prefix` names the
   * range's parameters; `shape` says how the rows will be grouped and whether distinct keys are counted.
   */
  from(projectId: string, range: TimeRange, filters: Filters, prefix?: string, shape?: SourceShape): SqlFragment;
}

export interface SourceShape {
  groupBy?: GroupBy | undefined;
  /** A distinct count (users, sessions, traces) is asked for. */
  distinct: boolean;
}

function tableWhere(table: string, source: MetricsSource, projectId: string, range: TimeRange, filters: Filters, prefix = ''): SqlFragment {
  const filter = filterConditions(filters, source.dimensions, source.tagsColumn);
  const time = rangeCondition(source.time.column, source.time.grain === 'day' ? 'date' : 'time', prefix);
  return {
    sql: `${table} WHERE project_id = {projectId:String} AND ${time}${filter.sql}`,
    params: { projectId, ...rangeParams(range, prefix), ...filter.params },
  };
}

export const RAW_SOURCE: MetricsSource = {
  id: 'raw',
  dimensions: RAW_DIMENSIONS,
  tagsColumn: 'tags',
  time: { column: 'timestamp', grain: 'call' },
  grainMs: 0,
  from(projectId, range, filters, prefix) {
    return tableWhere(RAW_CALLS, this, projectId, range, filters, prefix);
  },
};

/** An hourly rollup read as it is (`table` may carry FINAL), by these dimensions. */
function hourly(id: SourceId, table: string, dimensions: DimensionColumns, more: Pick<MetricsSource, 'tagColumn'> = {}): MetricsSource {
  return {
    id,
    dimensions,
    ...more,
    time: { column: 'hour', grain: 'hour' },
    grainMs: HOUR_MS,
    from(projectId, range, filters, prefix) {
      return tableWhere(table, this, projectId, range, filters, prefix);
    },
  };
}

export const HOURLY_SOURCE = hourly('hourly', 'calls_hourly', { model: 'model', provider: 'provider', name: 'name', environment: 'environment' });

/** calls_hourly with a tag per row: serves group_by=tag (not a tag filter: one call is a row per tag). */
export const HOURLY_TAGS_SOURCE = hourly('hourly_tags', 'calls_hourly_tags', HOURLY_SOURCE.dimensions, { tagColumn: 'tag' });

/**
 * A daily rollup keyed by one id (user or session). Sums read it as it is. A distinct count reads it
 * with FINAL, which adds up the rows of one (day, key) left in several parts (a call and the -1 of
 * its older copy, say), so it is right before SummingMergeTree has merged; keys are sorted by day
 * first, so FINAL merges only the days that new inserts touched. The aggregates then count the
 * distinct key hashes of rows with requests left (aggregates.ts).
 */
function dailyBy(id: 'daily_users' | 'daily_sessions', table: string, key: 'user_id' | 'session_id'): MetricsSource {
  return {
    id,
    dimensions: { [key]: key },
    time: { column: 'day', grain: 'day' },
    grainMs: DAY_MS,
    from(projectId, range, filters, prefix, shape) {
      return tableWhere(shape?.distinct ? `${table} FINAL` : table, this, projectId, range, filters, prefix);
    },
  };
}

export const DAILY_USERS_SOURCE = dailyBy('daily_users', 'calls_daily_users', 'user_id');
export const DAILY_SESSIONS_SOURCE = dailyBy('daily_sessions', 'calls_daily_sessions', 'session_id');

/**
 * Distinct traces per hour (migration 0008). A (hour, trace) row counts when its calls add up to more
 * than zero, the sum FINAL would take over the rows of that key in several parts. Only a key with a
 * negative row (the -1 of a resent or changed call, until merged) can have a row above zero and a sum
 * that is not: those keys are summed here, every other row is read as it is. FINAL merged every key
 * of the hours that newer parts touch: over the last 30 days at 10M calls with 1% of them not merged
 * yet (bench/queries/run.ts --unmerged), 245 ms against 161 this way (147 reading the rows as they
 * are); merged, 143-158 against 144-146. The daily rollups keep FINAL: the same form for users and
 * sessions was slower merged (users_overview 37 -> 46 ms, all_metrics over 30 days 263 -> 296) and
 * no faster under ingestion.
 */
export const HOURLY_TRACES_SOURCE: MetricsSource = {
  ...hourly('hourly_traces', 'calls_hourly_traces', {}),
  from(projectId, range, filters, prefix) {
    const rows = tableWhere('calls_hourly_traces', this, projectId, range, filters, prefix);
    const negative = `(SELECT hour, trace_hash FROM ${rows.sql} AND requests < 0)`;
    return {
      sql: `(SELECT hour, trace_hash, requests FROM ${rows.sql} AND (hour, trace_hash) NOT IN ${negative}
             UNION ALL
             SELECT hour, trace_hash, sum(requests) AS requests FROM ${rows.sql} AND (hour, trace_hash) IN ${negative} GROUP BY hour, trace_hash)`,
      params: rows.params,
    };
  },
};

/**
 * Calls per duration and day (migration 0009). Rows are first added up per duration (and day when
 * grouped by day): a few tens of thousands of rows for the percentile arithmetic instead of one per
 * day and duration.
 */
export const DAILY_LATENCY_SOURCE: MetricsSource = {
  id: 'daily_latency',
  dimensions: {},
  time: { column: 'day', grain: 'day' },
  grainMs: DAY_MS,
  from(projectId, range, filters, prefix, shape) {
    const inner = tableWhere('calls_daily_latency', this, projectId, range, filters, prefix);
    const day = shape?.groupBy === 'day' ? 'day, ' : '';
    return { sql: `(SELECT ${day}duration_ms, sum(requests) AS requests FROM ${inner.sql} GROUP BY ${day}duration_ms)`, params: inner.params };
  },
};

/**
 * Distinct traces (whole hours) or sessions (whole days) of an unfiltered range, counted beforehand
 * from calls_trace_steps or calls_session_steps (key-count.ts) and passed in as the `trace_count` or
 * `session_count` parameter: never picked by the rollup rule, only by planParts when the count is there.
 */
function counted(id: 'trace_count' | 'session_count', grainMs: number): MetricsSource {
  return {
    id,
    dimensions: {},
    time: { column: 'hour', grain: 'hour' },
    grainMs,
    from() {
      return { sql: `(SELECT {${id}:UInt64} AS ${id})`, params: {} };
    },
  };
}

export const TRACE_COUNT_SOURCE = counted('trace_count', HOUR_MS);
export const SESSION_COUNT_SOURCE = counted('session_count', DAY_MS);

/** Rollups in the order they are tried (the smallest that serves first); raw answers everything else. */
export const ROLLUP_SOURCES: MetricsSource[] = [
  HOURLY_SOURCE, DAILY_USERS_SOURCE, DAILY_SESSIONS_SOURCE, HOURLY_TAGS_SOURCE, DAILY_LATENCY_SOURCE, HOURLY_TRACES_SOURCE,
];
