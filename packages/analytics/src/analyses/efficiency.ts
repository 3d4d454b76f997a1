// Token efficiency: per feature (name) and model, the mean of one score over its calls, tokens per
// request, and score per 1k tokens (mean_score / (tokens_per_request / 1000)): what quality each
// token buys.
//
// A score counts for the call its observation_id names; a score of a whole trace (no observation_id,
// or one that is not a call of that trace in the range) counts once for every (name, model) with a call in that
// trace. A call without trace_id is a trace of its own (its id). Groups without a score are left out.
import { z } from 'zod';
import type { AnalysisContext } from './context.ts';
import { CALLS_IN_RANGE, queryAnalysis, rangeParams } from './calls-scope.ts';
import { fromBeforeTo, rangeShape } from './params.ts';
import { CALLS_HOURLY, hourlyUnion } from './hourly-parts.ts';

export const ZEfficiencyParams = z
  .object({ ...rangeShape, score: z.string().min(1).max(256) })
  .strict()
  .superRefine(fromBeforeTo);
export type TEfficiencyParams = z.input<typeof ZEfficiencyParams>;

export interface EfficiencyRow {
  name: string;
  model: string;
  requests: number;
  scores: number;
  mean_score: number;
  tokens_per_request: number | null;
  score_per_1k_tokens: number | null;
}

export interface EfficiencyData {
  score: string;
  groups: EfficiencyRow[];
}

export async function efficiency(ctx: AnalysisContext, input: TEfficiencyParams): Promise<EfficiencyData> {
  const params = ZEfficiencyParams.parse(input);
  // The groups' size from calls_hourly (whole hours; ragged edges raw): one raw pass fewer.
  const sizes = hourlyUnion(ctx, params, CALLS_HOURLY, { keys: ['name', 'model'], measures: ['requests', 'input_tokens', 'output_tokens'] });
  const rows = await queryAnalysis<{ name: string; model: string; requests: string; total_tokens: string; scores: string; mean: number }>(
    ctx.ch,
    // The calls of scored traces (scores are the small side of the join), one raw pass: each score
    // goes to its call's group or to every group of its trace.
    `WITH s AS (SELECT trace_id, id AS score_id, observation_id, value FROM scores FINAL WHERE project_id = {projectId:String} AND name = {score:String})
     SELECT g.name AS name, g.model AS model, g.requests AS requests, g.total_tokens AS total_tokens, a.scores AS scores, a.mean AS mean
     FROM (SELECT name, model, sum(requests) AS requests, sum(input_tokens + output_tokens) AS total_tokens FROM (${sizes.sql}) GROUP BY name, model HAVING requests > 0) AS g
     INNER JOIN (
       SELECT group_key.1 AS name, group_key.2 AS model, count() AS scores, avg(score_value) AS mean
       FROM (
         SELECT s.trace_id, s.score_id, any(s.value) AS score_value,
                countIf(c.id = s.observation_id) > 0 AS on_call,
                anyIf((c.name, c.model), c.id = s.observation_id) AS call_group,
                groupUniqArray((c.name, c.model)) AS trace_groups
         FROM (SELECT id, if(trace_id = '', id, trace_id) AS trace_key, name, model FROM ${CALLS_IN_RANGE}) AS c
         INNER JOIN s ON c.trace_key = s.trace_id
         GROUP BY s.trace_id, s.score_id
       )
       ARRAY JOIN if(on_call, [call_group], trace_groups) AS group_key
       GROUP BY name, model
     ) AS a ON g.name = a.name AND g.model = a.model
     ORDER BY name, model`,
    { tag: 'analyses.efficiency', params: { ...rangeParams(ctx.projectId, params), ...sizes.params, score: params.score } },
  );
  const groups = rows.map((row) => {
    const requests = Number(row.requests);
    const tokensPerRequest = requests ? Number(row.total_tokens) / requests : null;
    const mean = Number(row.mean);
    return {
      name: row.name,
      model: row.model,
      requests,
      scores: Number(row.scores),
      mean_score: mean,
      tokens_per_request: tokensPerRequest,
      score_per_1k_tokens: tokensPerRequest ? (mean * 1000) / tokensPerRequest : null,
    };
  });
  groups.sort((x, y) => (y.score_per_1k_tokens ?? -Infinity) - (x.score_per_1k_tokens ?? -Infinity) || x.name.localeCompare(y.name) || x.model.localeCompare(y.model));
  return { score: params.score, groups };
}
