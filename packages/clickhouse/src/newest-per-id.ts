// One copy per (project_id, id): the rule every load applies within its batch before writing.

/** The key of an id within its project: ids are unique per project only. */
export const idKey = (projectId: string, id: string): string => `${projectId}\u0000${id}`;

/** The newest copy per (project_id, id); on equal versions the later one in the log wins. */
export function newestPerId<Row extends { project_id: string; id: string; version: number }>(rows: readonly Row[]): Row[] {
  const newest = new Map<string, Row>();
  for (const row of rows) {
    const key = idKey(row.project_id, row.id);
    const seen = newest.get(key);
    if (!seen || row.version >= seen.version) newest.set(key, row);
  }
  return [...newest.values()];
}
