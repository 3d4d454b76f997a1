// The [from, to) time range of every query: parsed once, passed to ClickHouse as typed parameters.

export interface TimeRange {
  /** Epoch milliseconds, inclusive. */
  fromMs: number;
  /** Epoch milliseconds, exclusive. */
  toMs: number;
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** `2026-01-01 05:00:00.000`: the text form ClickHouse parses as DateTime64(3, 'UTC'). */
export function toClickHouseTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

/** RFC 3339 in UTC with milliseconds, the form every answer uses. */
export function toRfc3339(ms: number): string {
  return new Date(ms).toISOString();
}

/** ClickHouse's `2026-01-01 05:00:00.000` (a UTC DateTime64 as JSON) back to epoch ms. */
export function fromClickHouseTime(text: string): number {
  return Date.parse(`${text.replace(' ', 'T')}Z`);
}

/** `prefix` names the parameters apart when one statement reads several ranges. */
export function rangeParams(range: TimeRange, prefix = ''): Record<string, string> {
  return { [`${prefix}from`]: toClickHouseTime(range.fromMs), [`${prefix}to`]: toClickHouseTime(range.toMs) };
}

/** `column` in [from, to); a Date column compares against the UTC dates of the bounds. */
export function rangeCondition(column: string, kind: 'time' | 'date' = 'time', prefix = ''): string {
  const [from, to] = [`{${prefix}from:DateTime64(3, 'UTC')}`, `{${prefix}to:DateTime64(3, 'UTC')}`];
  if (kind === 'date') return `${column} >= toDate(${from}) AND ${column} < toDate(${to})`;
  return `${column} >= ${from} AND ${column} < ${to}`;
}

export function isAligned(range: TimeRange, grainMs: number): boolean {
  return range.fromMs % grainMs === 0 && range.toMs % grainMs === 0;
}
