// Caching: hit rate and savings over the range (the metrics' definitions), and the opportunities:
// features whose calls repeat a large prompt prefix but read little of it from cache.
//
// The repeated prefix of a (name, model) is estimated from the prompt anatomy: the smallest
// system + tool-definition tokens over its calls that report them (the part stable across calls);
// where no call reports them, the smallest input of its calls. Providers cache only prefixes of at
// least 1,024 tokens (OpenAI, Anthropic), so shorter ones are no opportunity. The saving is
// cache-savings-sql.ts's model (first call of each hour writes, later ones read) less what the calls
// already read from cache, at each call's prices; largest first.
import { z } from 'zod';
import { cachingSavingsSql } from './cache-savings-sql.ts';
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

const COLUMNS = 'name, model, timestamp, id, input_tokens, cache_read_tokens, cache_write_tokens, input_price, cache_read_price, cache_write_price';

export async function cacheAnalysis(ctx: AnalysisContext, input: TCacheParams): Promise<CacheData> {
  const params = ZCacheParams.parse(input);
  const sqlParams = rangeParams(ctx.projectId, params);
  const [totals] = await queryAnalysis<{ cache_hit_rate: number | null; cache_savings: string }>(
    ctx.ch,
    `SELECT ${metricColumns(['cache_hit_rate', 'cache_savings'])} FROM ${CALLS_IN_RANGE}`,
    { tag: 'analyses.cache.totals', params: sqlParams },
  );
  const source = `(SELECT c.*, pr.prefix AS prefix
      FROM (SELECT ${COLUMNS} FROM ${CALLS_IN_RANGE}) AS c
      INNER JOIN prefixes AS pr ON c.name = pr.name AND c.model = pr.model)`;
  const rows = await queryAnalysis<{ name: string; model: string; requests: string; saving_micro: string; prefix: string; read_tokens: string; input_sum: string }>(
    ctx.ch,
    `WITH prefixes AS (
       SELECT name, model,
              if(countIf(system_tokens + tool_definition_tokens > 0) > 0,
                 least(minIf(toUInt64(system_tokens) + tool_definition_tokens, system_tokens + tool_definition_tokens > 0), toUInt64(min(input_tokens))),
                 toUInt64(min(input_tokens))) AS prefix,
              sum(cache_read_tokens) AS read_tokens, sum(input_tokens) AS input_sum
       FROM ${CALLS_IN_RANGE}
       GROUP BY name, model
       HAVING prefix >= {min_prefix:UInt64} AND count() >= 2
     )
     SELECT s.name AS name, s.model AS model, s.requests AS requests, s.saving_micro AS saving_micro,
            pr.prefix AS prefix, pr.read_tokens AS read_tokens, pr.input_sum AS input_sum
     FROM (${cachingSavingsSql(source, 'prefix')}) AS s
     INNER JOIN prefixes AS pr ON s.name = pr.name AND s.model = pr.model
     WHERE s.saving_micro > 0
     ORDER BY s.saving_micro DESC, name, model
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
