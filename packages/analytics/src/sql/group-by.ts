// The dimensions a metric can be grouped by, and the SQL that reads each from a source.

export const GROUP_BYS = ['model', 'provider', 'name', 'user_id', 'session_id', 'environment', 'tag', 'day', 'hour'] as const;
export type GroupBy = (typeof GROUP_BYS)[number];

/** Where a source keeps time: a DateTime64 per call, an hour bucket, or a UTC date. */
export type TimeColumn = { column: string; grain: 'call' | 'hour' | 'day' };

/**
 * The expression of `group` over a source, or undefined when the source cannot answer it.
 * Days are `YYYY-MM-DD` and hours `YYYY-MM-DDTHH:00:00Z`, both UTC; a call without tags is in tag ''.
 */
export function groupExpression(
  group: GroupBy,
  source: { dimensions: Partial<Record<string, string>>; time: TimeColumn; tagsColumn?: string | undefined; tagColumn?: string | undefined },
): string | undefined {
  const { column, grain } = source.time;
  switch (group) {
    case 'day':
      return grain === 'day' ? `formatDateTime(${column}, '%Y-%m-%d')` : `formatDateTime(toStartOfDay(${column}), '%Y-%m-%d')`;
    case 'hour':
      if (grain === 'day') return undefined;
      return grain === 'hour'
        ? `formatDateTime(${column}, '%Y-%m-%dT%H:00:00Z')`
        : `formatDateTime(toStartOfHour(${column}), '%Y-%m-%dT%H:00:00Z')`;
    case 'tag':
      // a rollup with one tag per row (the same arrayJoin, done in its view) reads that column
      return source.tagsColumn ? `arrayJoin(if(empty(${source.tagsColumn}), [''], ${source.tagsColumn}))` : source.tagColumn;
    default:
      return source.dimensions[group];
  }
}
