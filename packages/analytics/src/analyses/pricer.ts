// The prices of a model a what-if moves calls to: the context's pricer, the project's own stored
// prices, then the default catalog (@margin/core's pricer over @pydantic/genai-prices).
import { queryAnalysis } from './calls-scope.ts';
import type { AnalysisContext } from './context.ts';
import { Dec } from './money.ts';

/** The part of @margin/core's `Pricer` the analyses use (structurally the same interface). */
export interface Pricer {
  price(request: {
    model: string;
    provider?: string | null;
    timestamp: number | Date;
    usage: { input_tokens: number; output_tokens: number; cache_read_tokens: number; cache_write_tokens: number };
    batch?: boolean;
  }): { price_source: string; input_price: string; output_price: string; cache_read_price: string; cache_write_price: string };
}

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

/** The newest non-batch prices this project's calls of `model` were charged before `atMs` (they include its own price book). */
async function fromStoredCalls(ctx: AnalysisContext, model: string, atMs: number): Promise<ModelRates | null> {
  const rows = await queryAnalysis<{ input: string; output: string; cache_read: string; cache_write: string }>(
    ctx.ch,
    `SELECT input_price AS input, output_price AS output, cache_read_price AS cache_read, cache_write_price AS cache_write
     FROM calls FINAL
     WHERE project_id = {projectId:String} AND model = {model:String} AND NOT batch
       AND price_source IN ('catalog', 'project') AND timestamp < fromUnixTimestamp64Milli({at:Int64}, 'UTC')
     ORDER BY timestamp DESC LIMIT 1`,
    { tag: 'analyses.what_if.stored_prices', params: { projectId: ctx.projectId, model, at: atMs } },
  );
  const row = rows[0];
  if (!row) return null;
  return { input: new Dec(row.input), output: new Dec(row.output), cacheRead: new Dec(row.cache_read), cacheWrite: new Dec(row.cache_write), source: 'stored' };
}

/** @margin/core's catalog pricer, when core exports it (loaded lazily so analytics does not need it otherwise). */
async function catalogPricer(): Promise<Pricer | null> {
  const core = (await import('@margin/core')) as Record<string, unknown>;
  const create = core['createPricer'] as ((options: { projectPrices: [] }) => Pricer) | undefined;
  return typeof create === 'function' ? create({ projectPrices: [] }) : null;
}

export async function modelRates(ctx: AnalysisContext, model: string, atMs: number): Promise<ModelRates | null> {
  if (ctx.pricer) {
    const rates = fromPricer(ctx.pricer, model, atMs, 'pricer');
    if (rates) return rates;
  }
  const stored = await fromStoredCalls(ctx, model, atMs);
  if (stored) return stored;
  const catalog = await catalogPricer();
  return catalog ? fromPricer(catalog, model, atMs, 'catalog') : null;
}
