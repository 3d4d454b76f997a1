// The deduplicated raw calls of one project and range: `calls FINAL` keeps the newest copy of an id
// (the loader keeps one sorting key per id). Conditions on `timestamp` are not on the sorting key,
// so ClickHouse applies them after FINAL: a copy moved within its hour is judged by its new time.
import { filterConditions, RAW_DIMENSIONS, type Filters, type SqlFragment } from './filters.ts';
import { rangeCondition, rangeParams, type TimeRange } from './time-range.ts';

export const RAW_CALLS = 'calls FINAL';

/** calls' sorting key after project_id (migration 0012). */
export const CALLS_SORT_KEY = 'toStartOfHour(timestamp), user_id, session_id, trace_id, id';

/**
 * `(SELECT ...)`: the newest copy of each sorting key among the project's calls that match
 * `condition`, every column (`cost_input` and `version` too), without FINAL. FINAL keeps the newest
 * copy of each key: the loader inserts a copy only when it is newer than every copy in calls, so that
 * is the copy with the largest `version`. This reads only the granules that a condition on the key
 * (or a skip index) selects, where FINAL reads their neighbours too. `condition` must hold for every
 * copy of a key alike (a condition on key columns), or a stale copy could stand in for the newest.
 */
export function newestCalls(condition: string): string {
  return `(SELECT *, cost_input, version FROM calls
     WHERE project_id = {projectId:String} AND ${condition}
     ORDER BY version DESC LIMIT 1 BY ${CALLS_SORT_KEY})`;
}

/** A copy of an id never changes partition (its hour is in the key), so FINAL may skip merging across them. */
export const RAW_SETTINGS = { do_not_merge_across_partitions_select_final: 1 } as const;

/** `WHERE ...` of a raw calls query: project, [from, to) when given, filters. */
export function rawCallsWhere(projectId: string, range: TimeRange | undefined, filters: Filters): SqlFragment {
  const filter = filterConditions(filters, RAW_DIMENSIONS, 'tags');
  const time = range ? ` AND ${rangeCondition('timestamp')}` : '';
  return {
    sql: `WHERE project_id = {projectId:String}${time}${filter.sql}`,
    params: { projectId, ...(range ? rangeParams(range) : {}), ...filter.params },
  };
}
