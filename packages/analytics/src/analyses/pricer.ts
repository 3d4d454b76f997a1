// The prices of a model a what-if moves calls to: the context's pricer, the project's own stored
// prices, then the default catalog (@margin/core's pricer over @pydantic/genai-prices).
import { createPricer, DEFAULT_BATCH_DISCOUNT, type Pricer } from '@margin/core';
import { queryAnalysis } from './calls-scope.ts';
import type { AnalysisContext } from './context.ts';
import { Dec } from './money.ts';

/** USD per 1M tokens, before any batch discount. */
export interface ModelRates {
  input: Dec;
  output: Dec;
  cacheRead: Dec;
  cacheWrite: Dec;
  source: 'pricer' | 'stored' | 'catalog';
}

const NO_TOKENS = { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0 };

function fromPricer(pricer: Pricer, model: string, atMs: number, source: ModelRates['source']): ModelRates | null {
  const priced = pricer.price({ model, timestamp: atMs, usage: NO_TOKENS, batch: false });
  if (priced.price_source === 'unknown') return null;
  return {
    input: new Dec(priced.input_price),
    output: new Dec(priced.output_price),
    cacheRead: new Dec(priced.cache_read_price),
    cacheWrite: new Dec(priced.cache_write_price),
    source,
  };
}

/**
 * The newest non-batch prices this project's calls of `model` were charged before `atMs` (they include
 * its own price book). calls_hourly_mix names the last two hours up to `atMs` that hold such a call
 * (exact counts: signed sums), so only those hours of raw calls are read: the later one may hold
 * calls only after `atMs`, and then the earlier one has the answer.
 */
async function fromStoredCalls(ctx: AnalysisContext, model: string, atMs: number): Promise<ModelRates | null> {
  const rows = await queryAnalysis<{ in_price: string; out_price: string; read_price: string; write_price: string }>(
    ctx.ch,
    `SELECT input_price AS in_price, output_price AS out_price, cache_read_price AS read_price, cache_write_price AS write_price
     FROM calls FINAL
     WHERE project_id = {projectId:String} AND model = {model:String} AND NOT batch
       AND price_source IN ('catalog', 'project') AND timestamp < fromUnixTimestamp64Milli({at:Int64}, 'UTC')
       AND toStartOfHour(timestamp) IN (
         SELECT hour FROM calls_hourly_mix
         WHERE project_id = {projectId:String} AND model = {model:String} AND NOT batch
           AND hour <= toStartOfHour(fromUnixTimestamp64Milli({at:Int64}, 'UTC'))
         GROUP BY hour HAVING sum(listed_requests) > 0
         ORDER BY hour DESC LIMIT 2)
     ORDER BY timestamp DESC LIMIT 1`,
    { tag: 'analyses.what_if.stored_prices', params: { projectId: ctx.projectId, model, at: atMs } },
  );
  const row = rows[0];
  if (!row) return null;
  return { input: new Dec(row.in_price), output: new Dec(row.out_price), cacheRead: new Dec(row.read_price), cacheWrite: new Dec(row.write_price), source: 'stored' };
}

/** The default catalog alone (no project prices): built once, it caches its look-ups. */
let catalog: Pricer | undefined;

export async function modelRates(ctx: AnalysisContext, model: string, atMs: number): Promise<ModelRates | null> {
  if (ctx.pricer) {
    const rates = fromPricer(ctx.pricer, model, atMs, 'pricer');
    if (rates) return rates;
  }
  const stored = await fromStoredCalls(ctx, model, atMs);
  if (stored) return stored;
  catalog ??= createPricer({ projectPrices: [] });
  return fromPricer(catalog, model, atMs, 'catalog');
}

/**
 * What a batch call of `model` costs relative to a normal one: from the context's pricer (a project's
 * own batch_discount) when it prices the model, else 1 − @margin/core's default discount (0.5).
 */
export function batchFactor(ctx: AnalysisContext, model: string, atMs: number): Dec {
  if (ctx.pricer) {
    const normal = ctx.pricer.price({ model, timestamp: atMs, usage: NO_TOKENS, batch: false });
    const batch = ctx.pricer.price({ model, timestamp: atMs, usage: NO_TOKENS, batch: true });
    const base = new Dec(normal.input_price).plus(normal.output_price);
    if (normal.price_source !== 'unknown' && !base.isZero()) return new Dec(batch.input_price).plus(batch.output_price).div(base);
  }
  return new Dec(1).minus(DEFAULT_BATCH_DISCOUNT);
}
