// What-if: the spend of a range had some calls gone differently, from the same tokens.
//   route: `share` of the calls of `from_model` (and `name`, if given) re-priced at `to_model`'s
//          prices; the answer is the expectation (share × each matching call), not a random draw.
//   batch: the calls of `names` not already sent through a batch API at the batch price: their cost ×
//          the model's batch factor (pricer.ts: the project's batch_discount through the context's
//          pricer, else @margin/core's default 0.5 off, as OpenAI's, Anthropic's and Google's).
//   A routed call that was a batch call stays one: to_model's prices × its batch factor.
//   cache: `prefix_tokens` of every call of `name` read from cache after the first call of each
//          (model, UTC hour), as cache-savings-sql.ts models it (write surcharge included); per
//          call, since the prefix is a parameter: from calls_prompt_tokens (migration 0018, the
//          feature's calls side by side) in the hours no copy was replaced in, else the live calls
//          (hourly-parts.ts liveCalls).
// savings = baseline_spend − scenario_spend, both rounded to 1e-9 first so the answer adds up.
import { z } from 'zod';
import { cachingSavingsSql, SAVING_UNIT } from './cache-savings-sql.ts';
import { AnalysisParameterError, type AnalysisContext } from './context.ts';
import { Dec, MILLION, roundUsd, usd, ZERO } from './money.ts';
import { queryAnalysis } from './calls-scope.ts';
import { CALLS_HOURLY_MIX, hourlyUnion, liveCalls } from './hourly-parts.ts';
import { fromBeforeTo, rangeShape } from './params.ts';
import { batchFactor, modelRates } from './pricer.ts';

const ZName = z.string().min(1).max(256);

export const ZWhatIfBody = z
  .object({
    ...rangeShape,
    scenario: z
      .object({
        route: z
          .object({ name: ZName.optional(), from_model: ZName, to_model: ZName, share: z.number().min(0).max(1) })
          .strict()
          .optional(),
        batch: z.object({ names: z.array(ZName).min(1).max(1000) }).strict().optional(),
        cache: z.object({ name: ZName, prefix_tokens: z.number().int().min(0).max(1_000_000_000) }).strict().optional(),
      })
      .strict()
      .superRefine((scenario, ctx) => {
        if (Object.values(scenario).filter((v) => v !== undefined).length !== 1) {
          ctx.addIssue({ code: 'custom', message: 'expected exactly one of route, batch or cache' });
        }
      }),
  })
  .strict()
  .superRefine(fromBeforeTo);
export type TWhatIfBody = z.input<typeof ZWhatIfBody>;

export interface WhatIfData {
  baseline_spend: number;
  scenario_spend: number;
  savings: number;
  /** The calls the scenario applies to (route: before taking its share). */
  matching_requests: number;
}

type Range = { from: number; to: number };
type Scenario = z.output<typeof ZWhatIfBody>['scenario'];

/** The change of spend (scenario − baseline, unrounded) and the calls it touches. */
interface Delta {
  delta: Dec;
  requests: number;
}

async function routeDelta(ctx: AnalysisContext, range: Range, route: NonNullable<Scenario['route']>, atMs: number): Promise<Delta> {
  const rates = await modelRates(ctx, route.to_model, atMs);
  if (!rates) throw new AnalysisParameterError('scenario.route.to_model', `no price is known for model ${route.to_model}`);
  const source = hourlyUnion(ctx, range, CALLS_HOURLY_MIX, {
    keys: ['batch'],
    measures: ['requests', 'cost_total', 'uncached_input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens'],
    where: `model = {from_model:String}${route.name !== undefined ? ' AND name = {name:String}' : ''}`,
  });
  const rows = await queryAnalysis<{ batch: boolean | number; n_requests: string; spend: string; uncached: string; out_tokens: string; read_tokens: string; write_tokens: string }>(
    ctx.ch,
    `SELECT batch, sum(requests) AS n_requests, sum(cost_total) AS spend,
            sum(uncached_input_tokens) AS uncached, sum(output_tokens) AS out_tokens,
            sum(cache_read_tokens) AS read_tokens, sum(cache_write_tokens) AS write_tokens
     FROM (${source.sql})
     GROUP BY batch HAVING n_requests > 0`,
    { tag: 'analyses.what_if.route', params: { ...source.params, from_model: route.from_model, name: route.name ?? '' } },
  );
  let delta = ZERO;
  let requests = 0;
  for (const row of rows) {
    const listCost = rates.input.times(row.uncached).plus(rates.output.times(row.out_tokens)).plus(rates.cacheRead.times(row.read_tokens)).plus(rates.cacheWrite.times(row.write_tokens)).div(MILLION);
    const repriced = row.batch === true || row.batch === 1 ? listCost.times(batchFactor(ctx, route.to_model, atMs)) : listCost;
    delta = delta.plus(repriced.minus(row.spend));
    requests += Number(row.n_requests);
  }
  return { delta: delta.times(new Dec(String(route.share))), requests };
}

async function batchDelta(ctx: AnalysisContext, range: Range, names: string[], atMs: number): Promise<Delta> {
  const source = hourlyUnion(ctx, range, CALLS_HOURLY_MIX, {
    keys: ['model'],
    measures: ['requests', 'cost_total'],
    where: 'NOT batch AND has({names:Array(String)}, name)',
  });
  const rows = await queryAnalysis<{ model: string; n_requests: string; spend: string }>(
    ctx.ch,
    `SELECT model, sum(requests) AS n_requests, sum(cost_total) AS spend
     FROM (${source.sql}) GROUP BY model HAVING n_requests > 0`,
    { tag: 'analyses.what_if.batch', params: { ...source.params, names } },
  );
  let delta = ZERO;
  for (const row of rows) delta = delta.plus(new Dec(row.spend).times(batchFactor(ctx, row.model, atMs).minus(1)));
  return { delta, requests: rows.reduce((sum, row) => sum + Number(row.n_requests), 0) };
}

const CACHE_COLUMNS = 'name, model, timestamp, input_tokens, cache_read_tokens, cache_write_tokens, input_price, cache_read_price, cache_write_price';

async function cacheDelta(ctx: AnalysisContext, range: Range, cache: NonNullable<Scenario['cache']>): Promise<Delta> {
  const source = await liveCalls(ctx, range, `${CACHE_COLUMNS}, 1 AS n`, 'name = {name:String}', {
    table: 'calls_prompt_tokens',
    columns: `${CACHE_COLUMNS}, requests AS n`,
  });
  const rows = await queryAnalysis<{ requests: string; saving: string }>(ctx.ch, cachingSavingsSql(source.sql, '{prefix:UInt64}'), {
    tag: 'analyses.what_if.cache',
    params: { ...source.params, name: cache.name, prefix: cache.prefix_tokens },
  });
  const saving = rows.reduce((sum, r) => sum.plus(r.saving), ZERO).div(SAVING_UNIT);
  return { delta: saving.negated(), requests: rows.reduce((sum, r) => sum + Number(r.requests), 0) };
}

export async function whatIf(ctx: AnalysisContext, input: TWhatIfBody): Promise<WhatIfData> {
  const body = ZWhatIfBody.parse(input);
  const total = hourlyUnion(ctx, body, CALLS_HOURLY_MIX, { keys: [], measures: ['cost_total'] });
  const [baseline] = await queryAnalysis<{ spend: string }>(ctx.ch, `SELECT sum(cost_total) AS spend FROM (${total.sql})`, {
    tag: 'analyses.what_if.baseline',
    params: total.params,
  });
  const { scenario } = body;
  const change = scenario.route
    ? await routeDelta(ctx, body, scenario.route, body.to)
    : scenario.batch
      ? await batchDelta(ctx, body, scenario.batch.names, body.to)
      : await cacheDelta(ctx, body, scenario.cache!);
  const baselineSpend = roundUsd(baseline?.spend ?? '0');
  const scenarioSpend = roundUsd(new Dec(baseline?.spend ?? '0').plus(change.delta));
  return {
    baseline_spend: usd(baselineSpend),
    scenario_spend: usd(scenarioSpend),
    savings: usd(baselineSpend.minus(scenarioSpend)),
    matching_requests: change.requests,
  };
}
