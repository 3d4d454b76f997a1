// Prices one call at ingestion: client cost, else a project price, else the catalog, else unknown (zero).
import { Dec, toCost, toPrice, ZERO_COST, ZERO_PRICE } from '../money.ts';
import { createCatalog, type Rates } from './catalog.ts';
import { createProjectPriceBook, DEFAULT_BATCH_DISCOUNT } from './project-prices.ts';
import type { CallCost, PriceRequest, Pricer, PriceUsage, ProjectPrice } from './types.ts';

const MILLION = new Dec(1_000_000);
const ONE = new Dec(1);
const DEFAULT_DISCOUNT = new Dec(DEFAULT_BATCH_DISCOUNT);

const UNKNOWN: CallCost = {
  cost_input: ZERO_COST,
  cost_output: ZERO_COST,
  cost_cache_read: ZERO_COST,
  cost_cache_write: ZERO_COST,
  cost_total: ZERO_COST,
  price_source: 'unknown',
  input_price: ZERO_PRICE,
  output_price: ZERO_PRICE,
  cache_read_price: ZERO_PRICE,
  cache_write_price: ZERO_PRICE,
};

/** Parts and prices of a call at `rates`; each part is rounded to 12 places and the total is their exact sum. */
function costAt(rates: Rates, usage: PriceUsage, factor: Dec, source: 'catalog' | 'project'): CallCost {
  const uncached = Math.max(0, usage.input_tokens - usage.cache_read_tokens - usage.cache_write_tokens);
  const input = rates.input.times(factor);
  const output = rates.output.times(factor);
  const cacheRead = rates.cacheRead.times(factor);
  const cacheWrite = rates.cacheWrite.times(factor);
  const costInput = toCost(input.times(uncached).div(MILLION));
  const costOutput = toCost(output.times(usage.output_tokens).div(MILLION));
  const costCacheRead = toCost(cacheRead.times(usage.cache_read_tokens).div(MILLION));
  const costCacheWrite = toCost(cacheWrite.times(usage.cache_write_tokens).div(MILLION));
  return {
    cost_input: costInput,
    cost_output: costOutput,
    cost_cache_read: costCacheRead,
    cost_cache_write: costCacheWrite,
    cost_total: toCost(new Dec(costInput).plus(costOutput).plus(costCacheRead).plus(costCacheWrite)),
    price_source: source,
    input_price: toPrice(input),
    output_price: toPrice(output),
    cache_read_price: toPrice(cacheRead),
    cache_write_price: toPrice(cacheWrite),
  };
}

/**
 * The client's total taken as given, split over the parts in the proportions our own price gives
 * (the last non-zero part takes the rounding so the parts add up to the total exactly); with no
 * price of our own, or one that comes to zero, the parts are 0 and only the total is stored.
 */
function clientCost(total: Dec, priced: CallCost | null): CallCost {
  const base = priced ?? UNKNOWN;
  const out: CallCost = { ...base, price_source: 'client', cost_total: toCost(total) };
  const ours = new Dec(base.cost_total);
  const keys = ['cost_input', 'cost_output', 'cost_cache_read', 'cost_cache_write'] as const;
  if (ours.isZero()) {
    for (const key of keys) out[key] = ZERO_COST;
    return out;
  }
  let assigned = new Dec(0);
  const last = keys.filter((key) => !new Dec(base[key]).isZero()).at(-1);
  for (const key of keys) {
    if (key === last) continue;
    const part = new Dec(toCost(total.times(base[key]).div(ours)));
    out[key] = part.toFixed(12);
    assigned = assigned.plus(part);
  }
  if (last) out[last] = toCost(total.minus(assigned));
  return out;
}

export interface PricerOptions {
  projectPrices: readonly ProjectPrice[];
}

export function createPricer({ projectPrices }: PricerOptions): Pricer {
  const book = createProjectPriceBook(projectPrices);
  const catalog = createCatalog();

  const ownPrice = (request: PriceRequest): CallCost | null => {
    const atMs = typeof request.timestamp === 'number' ? request.timestamp : request.timestamp.getTime();
    const project = book.find(request.model, atMs);
    if (project) {
      const factor = request.batch ? ONE.minus(project.batchDiscount) : ONE;
      return costAt(project.rates, request.usage, factor, 'project');
    }
    const at = typeof request.timestamp === 'number' ? new Date(request.timestamp) : request.timestamp;
    const match = catalog.rates(request.model, request.provider ?? '', at, request.usage.input_tokens);
    if (!match) return null;
    // The bundled catalog lists no batch prices for ordinary model names: batch calls get the default discount.
    const factor = request.batch ? ONE.minus(DEFAULT_DISCOUNT) : ONE;
    return costAt(match.rates, request.usage, factor, 'catalog');
  };

  return {
    price(request) {
      const priced = ownPrice(request);
      if (request.clientCostTotal != null) {
        const total = typeof request.clientCostTotal === 'number' ? new Dec(String(request.clientCostTotal)) : new Dec(request.clientCostTotal);
        return clientCost(total, priced);
      }
      return priced ?? { ...UNKNOWN };
    },
  };
}
