// A score's call, stored on the score (migration 0017): after a load has inserted its calls and its
// scores, each of its scores whose observation_id names a call gets a copy at the same version with
// that call's hour, name, model and version, read from call_keys (the newest copy per id hash). The
// last inserted copy of a version wins, so FINAL and merges keep the resolved one. The efficiency
// analysis groups by it (packages/analytics/src/analyses/efficiency.ts); a score whose call is not
// loaded yet stays unresolved (call_version 0), and a call replaced later is caught there through
// calls_replaced, so neither is ever counted wrong, only looked up at query time.
import type { ClickHouse } from './client.ts';
import { command } from './query.ts';

export interface ScoreKey {
  project_id: string;
  trace_id: string;
  id: string;
  observation_id: string;
}

/** Resolves the calls of these scores (those with an observation_id); one statement, none if there is nothing to resolve. */
export async function resolveScoreCalls(ch: ClickHouse, scores: readonly ScoreKey[]): Promise<void> {
  const onObservation = scores.filter((score) => score.observation_id !== '');
  if (onObservation.length === 0) return;
  const distinct = (values: string[]) => [...new Set(values)];
  await command(
    ch,
    `INSERT INTO scores (project_id, id, timestamp, trace_id, observation_id, name, value, comment, retention_days, version,
                         call_hour, call_name, call_model, call_version)
     WITH these AS MATERIALIZED (
       SELECT * FROM scores FINAL
       WHERE project_id IN {projects:Array(String)} AND trace_id IN {traces:Array(String)} AND id IN {ids:Array(String)} AND observation_id != ''
     )
     SELECT s.project_id, s.id, s.timestamp, s.trace_id, s.observation_id, s.name, s.value, s.comment, s.retention_days, s.version,
            k.call_hour, k.call_name, k.call_model, k.call_version
     FROM these AS s
     INNER JOIN (
       SELECT project_id, id_hash, argMax(hour, version) AS call_hour, argMax(name, version) AS call_name, argMax(model, version) AS call_model, max(version) AS call_version
       FROM call_keys
       WHERE project_id IN {projects:Array(String)} AND id_hash IN (SELECT sipHash64(observation_id) FROM these)
       GROUP BY project_id, id_hash
     ) AS k ON k.project_id = s.project_id AND k.id_hash = sipHash64(s.observation_id)
     WHERE s.call_version != k.call_version`,
    {
      tag: 'load.score_calls',
      params: {
        projects: distinct(onObservation.map((s) => s.project_id)),
        traces: distinct(onObservation.map((s) => s.trace_id)),
        ids: distinct(onObservation.map((s) => s.id)),
      },
    },
  );
}

/** The keys of scores encoded as JSONCompactEachRow lines in `columns` order (a prepared load's scores). */
export function scoreKeysOfLines(body: Buffer, columns: readonly string[]): ScoreKey[] {
  if (body.length === 0) return [];
  const at = (name: string) => columns.indexOf(name);
  const [project, trace, id, observation] = [at('project_id'), at('trace_id'), at('id'), at('observation_id')];
  return body
    .toString('utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const values = JSON.parse(line) as string[];
      return { project_id: values[project]!, trace_id: values[trace]!, id: values[id]!, observation_id: values[observation]! };
    });
}
