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
import { CALLS_IN_RANGE, queryAnalysis, rangeParams } from './calls-scope.ts';
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
  const sqlParams = rangeParams(ctx.projectId, params);
  const [totals] = await queryAnalysis<{ cache_hit_rate: number | null; cache_savings: string }>(
    ctx.ch,
    `SELECT ${metricColumns(['cache_hit_rate', 'cache_savings'])} FROM ${CALLS_IN_RANGE}`,
    { tag: 'analyses.cache.totals', params: sqlParams },
  );
  // One pass of sums (no per-call "first of the hour", which costs an argMin per group): per (name,
  // model, hour) the later calls' share of Σ (input − cache read price) is (n − 1)/n of it (exact
  // when a model's price is the same within the hour), the hour pays the write surcharge unless it
  // already wrote to cache, and the savings the calls already got from cache reads are subtracted.
  const rows = await queryAnalysis<{ name: string; model: string; requests: string; saving_micro: string; prefix: string; read_tokens: string; input_sum: string }>(
    ctx.ch,
    `SELECT name, model, sum(hour_requests) AS requests,
            if(sum(anatomy_calls) > 0, least(minIf(anatomy_min, anatomy_calls > 0), min(input_min)), min(input_min)) AS prefix,
            sum(hour_read) AS read_tokens, sum(hour_input) AS input_sum,
            prefix * sum(later_diff) - sum(saved) - prefix * sum(write_rate) AS saving_micro
     FROM (
       WITH toDecimal128(input_price - cache_read_price, 9) AS diff
       SELECT name, model, toStartOfHour(timestamp) AS hour, count() AS hour_requests,
              countIf(system_tokens + tool_definition_tokens > 0) AS anatomy_calls,
              minIf(toUInt64(system_tokens) + tool_definition_tokens, system_tokens + tool_definition_tokens > 0) AS anatomy_min,
              toUInt64(min(input_tokens)) AS input_min,
              sum(cache_read_tokens) AS hour_read, sum(input_tokens) AS hour_input,
              sum(diff) * (hour_requests - 1) / hour_requests AS later_diff,
              sum(toDecimal128(cache_read_tokens, 0) * diff) AS saved,
              if(sum(cache_write_tokens) = 0,
                 sum(toDecimal128(greatest(cache_write_price - input_price, toDecimal64(0, 9)), 9)) / hour_requests,
                 toDecimal128(0, 9)) AS write_rate
       FROM ${CALLS_IN_RANGE}
       GROUP BY name, model, hour
     )
     GROUP BY name, model
     HAVING prefix >= {min_prefix:UInt64} AND requests >= 2 AND saving_micro > 0
     ORDER BY saving_micro DESC, name, model
     LIMIT ${MAX_OPPORTUNITIES}`,
    { tag: 'analyses.cache.opportunities', params: { ...sqlParams, min_prefix: MIN_CACHEABLE_PREFIX_TOKENS } },
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
