// The filters of the metrics and generations queries, built once: one typed parameter per filter,
// never a value pasted into SQL. A filter names a dimension; each source says how to read it.

export const FILTER_NAMES = ['model', 'name', 'user_id', 'environment', 'tag'] as const;
export type FilterName = (typeof FILTER_NAMES)[number];
export type Filters = Partial<Record<FilterName, string>> & {
  /**
   * Only these sessions (internal, not a filter of the API): the candidates of a top-N list of
   * sessions (metrics/top-sessions.ts). Read where the source has session_id, never planned on.
   */
  session_ids?: readonly string[];
};

/** How a source reads a dimension; a dimension it lacks cannot be filtered or grouped there. */
export type DimensionColumns = Partial<Record<string, string>>;

export const RAW_DIMENSIONS: DimensionColumns = {
  model: 'model',
  provider: 'provider',
  name: 'name',
  user_id: 'user_id',
  session_id: 'session_id',
  environment: 'environment',
};

export interface SqlFragment {
  sql: string;
  params: Record<string, unknown>;
}

/** The filters that are set, in a stable order. */
export function activeFilters(filters: Filters): FilterName[] {
  return FILTER_NAMES.filter((name) => filters[name] !== undefined);
}

/**
 * `AND`-joined conditions for the filters that are set, over a source whose columns are `columns`
 * and whose tags (if it has them) are in `tagsColumn`. Throws on a filter the source cannot answer:
 * the planner checks first, so that is a bug, not a user error.
 */
export function filterConditions(filters: Filters, columns: DimensionColumns, tagsColumn?: string): SqlFragment {
  const parts: string[] = [];
  const params: Record<string, unknown> = {};
  for (const name of activeFilters(filters)) {
    const param = `f_${name}`;
    params[param] = filters[name];
    if (name === 'tag') {
      if (!tagsColumn) throw new Error('filterConditions: this source has no tags');
      parts.push(`has(${tagsColumn}, {${param}:String})`);
      continue;
    }
    const column = columns[name];
    if (!column) throw new Error(`filterConditions: this source has no ${name}`);
    parts.push(`${column} = {${param}:String}`);
  }
  if (filters.session_ids) {
    if (!columns.session_id) throw new Error('filterConditions: this source has no session_id');
    params.f_session_ids = [...filters.session_ids];
    parts.push(`${columns.session_id} IN {f_session_ids:Array(String)}`);
  }
  return { sql: parts.map((part) => ` AND ${part}`).join(''), params };
}
