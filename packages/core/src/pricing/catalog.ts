// The default prices: @pydantic/genai-prices' bundled catalog, resolved once per (provider, model).
import { calcPrice, type ModelInfo, type ModelPrice } from '@pydantic/genai-prices';
import { Dec } from '../money.ts';

/** USD per 1M tokens, before any batch discount. */
export interface Rates {
  input: Dec;
  output: Dec;
  cacheRead: Dec;
  cacheWrite: Dec;
}

export interface CatalogMatch {
  providerId: string;
  modelId: string;
  rates: Rates;
}

type PriceValue = ModelPrice[string];
interface Tiered {
  base: number;
  tiers: { start: number; price: number }[];
}

/** Distinct (provider, model) names kept; past it the cache starts over (a client can send any name). */
const MAX_CACHED_NAMES = 10_000;

/** The catalog's price at `inputTokens`: a tiered price applies the tier reached by the whole prompt. */
function rateOf(value: PriceValue, inputTokens: number): Dec | null {
  if (value === undefined) return null;
  if (typeof value === 'number') return new Dec(String(value));
  const tiered = value as unknown as Tiered;
  let price = tiered.base;
  for (const tier of [...tiered.tiers].sort((a, b) => a.start - b.start)) if (inputTokens > tier.start) price = tier.price;
  return new Dec(String(price));
}

/** A catalog price with its rates per tier reached: rates are shared objects, so the pricer can cache on them. */
interface PriceEntry {
  /** Tier starts of all tiered prices, ascending; empty for a flat price. */
  starts: number[];
  byTier: Map<number, Rates | null>;
}

function entryOf(prices: ModelPrice): PriceEntry {
  const starts = new Set<number>();
  for (const value of Object.values(prices)) {
    if (typeof value === 'object' && value !== null) for (const tier of (value as unknown as Tiered).tiers) starts.add(tier.start);
  }
  return { starts: [...starts].sort((a, b) => a - b), byTier: new Map() };
}

/** Our four rates from a catalog price; missing cache prices fall back to the input price. Null: no token prices. */
function ratesOf(prices: ModelPrice, inputTokens: number): Rates | null {
  const input = rateOf(prices.input_mtok, inputTokens);
  const output = rateOf(prices.output_mtok, inputTokens);
  if (input === null && output === null) return null;
  const inputRate = input ?? new Dec(0);
  return {
    input: inputRate,
    output: output ?? new Dec(0),
    cacheRead: rateOf(prices.cache_read_mtok, inputTokens) ?? inputRate,
    cacheWrite: rateOf(prices.cache_write_mtok, inputTokens) ?? inputRate,
  };
}

/** Seconds since midnight UTC of an "HH:MM:SS(.f)(Z|±HH:MM)" time, as the catalog's constraints write it. */
function secondsOfDay(time: string): number {
  const m = /^(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|([+-])(\d{2}):(\d{2}))$/.exec(time);
  if (!m) return 0;
  const offset = m[4] === 'Z' ? 0 : (m[5] === '+' ? 1 : -1) * (Number(m[6]) * 3600 + Number(m[7]) * 60);
  return (Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) - offset + 86_400) % 86_400;
}

/** The model's price in force at `at` (the same rule as genai-prices: the last constraint that holds wins). */
function priceAt(model: ModelInfo, at: Date): ModelPrice {
  if (!Array.isArray(model.prices)) return model.prices;
  for (let i = model.prices.length - 1; i >= 0; i--) {
    const { constraint, prices } = model.prices[i]!;
    if (constraint === undefined) return prices;
    if (constraint.type === 'start_date') {
      if (at.getTime() >= Date.parse(`${constraint.start_date}T00:00:00Z`)) return prices;
    } else {
      const now = at.getUTCHours() * 3600 + at.getUTCMinutes() * 60 + at.getUTCSeconds();
      const start = secondsOfDay(constraint.start_time);
      const end = secondsOfDay(constraint.end_time);
      if (end < start ? now >= start || now < end : now >= start && now < end) return prices;
    }
  }
  return model.prices[0]!.prices;
}

interface Resolved {
  providerId: string;
  model: ModelInfo;
}

function lookUp(model: string, providerId: string | undefined): Resolved | null {
  try {
    const found = calcPrice({}, model, providerId ? { providerId } : {});
    return found ? { providerId: found.provider.id, model: found.model } : null;
  } catch {
    return null; // a catalog entry the library itself cannot price is as good as none
  }
}

/** The provider hint first; then the model name alone; then `provider/model` split at its first slash. */
function resolve(model: string, provider: string): Resolved | null {
  if (model.trim() === '') return null;
  const hinted = provider ? lookUp(model, provider) : null;
  if (hinted) return hinted;
  const byName = lookUp(model, undefined);
  if (byName) return byName;
  const slash = model.indexOf('/');
  return slash > 0 ? lookUp(model.slice(slash + 1), model.slice(0, slash)) : null;
}

export interface Catalog {
  /** Rates for a call; null when the catalog does not know the model. */
  rates(model: string, provider: string, at: Date, inputTokens: number): CatalogMatch | null;
}

/** A catalog with its resolution cached per (provider, model) and its fixed prices cached per model price. */
export function createCatalog(): Catalog {
  const resolved = new Map<string, Resolved | null>();
  const entries = new WeakMap<ModelPrice, PriceEntry>();
  return {
    rates(model, provider, at, inputTokens) {
      const key = `${provider}\u0000${model}`;
      let entry = resolved.get(key);
      if (entry === undefined) {
        if (resolved.size >= MAX_CACHED_NAMES) resolved.clear();
        entry = resolve(model, provider);
        resolved.set(key, entry);
      }
      if (entry === null) return null;
      const prices = priceAt(entry.model, at);
      let priceEntry = entries.get(prices);
      if (!priceEntry) entries.set(prices, (priceEntry = entryOf(prices)));
      // Which tier the prompt reached: the number of tier starts it passed.
      let tier = 0;
      while (tier < priceEntry.starts.length && inputTokens > priceEntry.starts[tier]!) tier++;
      let rates = priceEntry.byTier.get(tier);
      if (rates === undefined) {
        rates = ratesOf(prices, inputTokens);
        priceEntry.byTier.set(tier, rates);
      }
      return rates ? { providerId: entry.providerId, modelId: entry.model.id, rates } : null;
    },
  };
}
