// Caching: hit rate and savings over the range (the metrics' definitions), and the opportunities:
// features whose calls repeat a large prompt prefix but read little of it from cache.
//
// The repeated prefix of a (name, model) is estimated from the prompt anatomy: the smallest
// system + tool-definition tokens over its calls that report them (the part stable across calls);
// where no call reports them, the smallest input of its calls. Providers cache only prefixes of at
// least 1,024 tokens (OpenAI, Anthropic), so shorter ones are no opportunity. The saving follows the
// what-if's model (cache-savings-sql.ts: the first call of each hour writes the prefix, later ones
// read it) at the calls' prices, less what the calls already saved by reading from cache; largest
// first. It is computed from sums in one pass (see the query), where the what-if, over one feature,
// picks each hour's first call exactly.
import { z } from 'zod';
import type { AnalysisContext } from './context.ts';
import { metricColumns } from './metric-sql.ts';
import { Dec, MILLION, ratio, usd } from './money.ts';
import { queryAnalysis } from './calls-scope.ts';
import { CALLS_HOURLY, CALLS_HOURLY_MIX, correctedHours, hourlyUnion } from './hourly-parts.ts';
import { ZRange } from './params.ts';

export const ZCacheParams = ZRange;
export type TCacheParams = z.input<typeof ZCacheParams>;

/** The smallest prefix OpenAI and Anthropic cache. */
export const MIN_CACHEABLE_PREFIX_TOKENS = 1024;
/** At most this many opportunities are answered. */
const MAX_OPPORTUNITIES = 50;

export interface CacheOpportunity {
  name: string;
  model: string;
  requests: number;
  repeated_prefix_tokens: number;
  cache_hit_rate: number | null;
  potential_savings: number;
}

export interface CacheData {
  cache_hit_rate: number | null;
  cache_savings: number;
  opportunities: CacheOpportunity[];
}

export async function cacheAnalysis(ctx: AnalysisContext, input: TCacheParams): Promise<CacheData> {
  const params = ZCacheParams.parse(input);
  const sums = hourlyUnion(ctx, params, CALLS_HOURLY, { keys: [], measures: ['cache_read_tokens', 'input_tokens', 'cache_savings_micro'] });
  const [totals] = await queryAnalysis<{ cache_hit_rate: number | null; cache_savings: string }>(
    ctx.ch,
    `SELECT ${metricColumns(['cache_hit_rate', 'cache_savings'], {}, 'hourly')} FROM (${sums.sql})`,
    { tag: 'analyses.cache.totals', params: sums.params },
  );
  // One pass of sums (no per-call "first of the hour", which costs an argMin per group): per (name,
  // model, hour) the later calls' share of Σ (input − cache read price) is (n − 1)/n of it (exact
  // when a model's price is the same within the hour), the hour pays the write surcharge unless it
  // already wrote to cache, and the savings the calls already got from cache reads are subtracted.
  // Per hour from calls_hourly_mix, whose minima are exact except in hours where a group took a
  // correction (0010): those hours are read raw, as are the ragged edges.
  const groups = hourlyUnion(ctx, params, CALLS_HOURLY_MIX, {
    keys: ['name', 'model', 'hour'],
    measures: ['requests', 'prefix_requests', 'min_prefix_tokens', 'min_input_tokens', 'cache_read_tokens', 'input_tokens', 'cache_price_gap', 'cache_saved_micro', 'cache_write_tokens', 'cache_write_premium'],
    rawHours: await correctedHours(ctx, params),
  });
  const rows = await queryAnalysis<{ name: string; model: string; requests: string; saving_micro: string; prefix: string; read_tokens: string; input_sum: string }>(
    ctx.ch,
    `SELECT name, model, sum(hour_requests) AS requests,
            if(sum(anatomy_calls) > 0, least(minIf(anatomy_min, anatomy_calls > 0), min(input_min)), min(input_min)) AS prefix,
            sum(hour_read) AS read_tokens, sum(hour_input) AS input_sum,
            prefix * sum(later_diff) - sum(saved) - prefix * sum(write_rate) AS saving_micro
     FROM (
       SELECT name, model, hour, sum(requests) AS hour_requests,
              sum(prefix_requests) AS anatomy_calls,
              min(min_prefix_tokens) AS anatomy_min,
              min(min_input_tokens) AS input_min,
              sum(cache_read_tokens) AS hour_read, sum(input_tokens) AS hour_input,
              sum(cache_price_gap) * (hour_requests - 1) / greatest(hour_requests, 1) AS later_diff,
              sum(cache_saved_micro) AS saved,
              if(sum(cache_write_tokens) = 0, sum(cache_write_premium) / greatest(hour_requests, 1), toDecimal128(0, 9)) AS write_rate
       FROM (${groups.sql})
       GROUP BY name, model, hour
       HAVING hour_requests > 0
     )
     GROUP BY name, model
     HAVING prefix >= {min_prefix:UInt64} AND requests >= 2 AND saving_micro > 0
     ORDER BY saving_micro DESC, name, model
     LIMIT ${MAX_OPPORTUNITIES}`,
    { tag: 'analyses.cache.opportunities', params: { ...groups.params, min_prefix: MIN_CACHEABLE_PREFIX_TOKENS } },
  );
  return {
    cache_hit_rate: totals?.cache_hit_rate ?? null,
    cache_savings: usd(totals?.cache_savings ?? '0'),
    opportunities: rows.map((row) => ({
      name: row.name,
      model: row.model,
      requests: Number(row.requests),
      repeated_prefix_tokens: Number(row.prefix),
      cache_hit_rate: ratio(row.read_tokens, row.input_sum),
      potential_savings: usd(new Dec(row.saving_micro).div(MILLION)),
    })),
  };
}
