// Model mix: requests and spend per model, their shares, a price tier per model, and the blended
// USD per 1M tokens of each model and of the whole range.
//
// Tier: by the model's list price blended 3:1 (three input tokens to one output token, the usual
// convention for comparing model prices), from the mean of the input and output prices applied to
// its non-batch calls; models whose calls carry no price (client-given cost) fall back to their
// observed blended USD per 1M tokens. Thresholds, USD per 1M tokens: small < 2 (gpt-4o-mini 0.26,
// claude-haiku-3.5 1.60, gemini-flash 0.85), mid < 10 (gpt-4o 4.38, claude-sonnet 6.00, gpt-5 3.44),
// premium ≥ 10 (claude-opus 30, o1 26.25). A model with no price at all (unpriced) has tier null.
import { z } from 'zod';
import type { AnalysisContext } from './context.ts';
import { Dec, MILLION, ratio, usd } from './money.ts';
import { queryAnalysis } from './calls-scope.ts';
import { CALLS_HOURLY_MIX, hourlyUnion } from './hourly-parts.ts';
import { ZRange } from './params.ts';

export const ZModelMixParams = ZRange;
export type TModelMixParams = z.input<typeof ZModelMixParams>;

export type ModelTier = 'small' | 'mid' | 'premium';
/** Upper bounds (exclusive) of the tiers, USD per 1M tokens blended 3:1. */
export const TIER_THRESHOLDS = { small: new Dec(2), mid: new Dec(10) } as const;

export function tierOf(pricePerMillion: Dec | null): ModelTier | null {
  if (pricePerMillion === null || pricePerMillion.isZero()) return null;
  if (pricePerMillion.lessThan(TIER_THRESHOLDS.small)) return 'small';
  if (pricePerMillion.lessThan(TIER_THRESHOLDS.mid)) return 'mid';
  return 'premium';
}

export interface ModelMixRow {
  model: string;
  requests: number;
  spend: number;
  request_share: number | null;
  spend_share: number | null;
  tier: ModelTier | null;
  /** (3 × input price + output price) / 4 from its list prices, the basis of `tier`; null when unpriced. */
  list_price_blended: number | null;
  /** spend / (input + output tokens) × 10^6 over the range. */
  usd_per_million_tokens: number | null;
}

export interface ModelMixData {
  requests: number;
  spend: number;
  usd_per_million_tokens: number | null;
  models: ModelMixRow[];
}

export async function modelMix(ctx: AnalysisContext, input: TModelMixParams): Promise<ModelMixData> {
  const params = ZModelMixParams.parse(input);
  // Whole hours from calls_hourly_mix, ragged edges raw (hourly-parts.ts): the same sums either way.
  const source = hourlyUnion(ctx, params, CALLS_HOURLY_MIX, {
    keys: ['model', 'batch'],
    measures: ['requests', 'cost_total', 'input_tokens', 'output_tokens', 'listed_requests', 'listed_input_price', 'listed_output_price'],
  });
  const rows = await queryAnalysis<{ model: string; n_requests: string; spend: string; tokens: string; listed: string; sum_input_price: string; sum_output_price: string }>(
    ctx.ch,
    // Listed prices count only outside batch calls (their stored prices are the discounted ones).
    `SELECT model, sum(requests) AS n_requests, sum(cost_total) AS spend,
            sum(input_tokens + output_tokens) AS tokens,
            sumIf(listed_requests, NOT batch) AS listed,
            sumIf(listed_input_price, NOT batch) AS sum_input_price,
            sumIf(listed_output_price, NOT batch) AS sum_output_price
     FROM (${source.sql})
     GROUP BY model HAVING n_requests > 0 ORDER BY spend DESC, n_requests DESC, model`,
    { tag: 'analyses.model_mix', params: source.params },
  );
  const totalRequests = rows.reduce((sum, r) => sum.plus(r.n_requests), new Dec(0));
  const totalSpend = rows.reduce((sum, r) => sum.plus(r.spend), new Dec(0));
  const totalTokens = rows.reduce((sum, r) => sum.plus(r.tokens), new Dec(0));
  const perMillion = (spend: Dec | string, tokens: Dec | string): Dec | null => (new Dec(tokens).isZero() ? null : new Dec(spend).div(tokens).times(MILLION));
  return {
    requests: totalRequests.toNumber(),
    spend: usd(totalSpend),
    usd_per_million_tokens: ((p) => (p === null ? null : usd(p)))(perMillion(totalSpend, totalTokens)),
    models: rows.map((row) => {
      const observed = perMillion(row.spend, row.tokens);
      // Mean list prices over the calls priced from a price book (not client costs, not batch-discounted).
      const listed = new Dec(row.listed);
      const list = listed.isZero() ? null : new Dec(row.sum_input_price).times(3).plus(row.sum_output_price).div(listed.times(4));
      const basis = list !== null && !list.isZero() ? list : observed;
      return {
        model: row.model,
        requests: Number(row.n_requests),
        spend: usd(row.spend),
        request_share: ratio(row.n_requests, totalRequests),
        spend_share: ratio(row.spend, totalSpend),
        tier: tierOf(basis),
        list_price_blended: list === null || list.isZero() ? null : usd(list),
        usd_per_million_tokens: observed === null ? null : usd(observed),
      };
    }),
  };
}
