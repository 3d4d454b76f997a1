// Prices one call at ingestion: client cost, else a project price, else the catalog, else unknown (zero).
//
// Rules (CONTRACT.md "Prices"), and the choices where it leaves room:
// - Tokens follow our convention (and genai-prices'): input_tokens includes cache reads and writes, so
//   uncached input = input − cache_read − cache_write, each part at its own price. A missing cache read
//   or cache write price means the input price (the call is never cheaper than the catalog says).
// - A project price whose pattern matches the whole model name (case-insensitive) beats the catalog;
//   among matches the newest start date not after the call wins (ties: the earlier in the list).
//   Before the first start date the catalog applies.
// - The catalog is @pydantic/genai-prices: the provider hint first, then the model name alone, then a
//   `provider/model` name split at its slash; start-date, time-of-day and tiered prices are honoured.
//   Only token prices count (input, output, cache read, cache write): per-request, search, audio and
//   image prices are not, and reasoning tokens are output tokens at the output price.
// - Batch calls: the project's batch_discount, else 50% off (OpenAI's, Anthropic's and Google's batch
//   APIs). The bundled catalog has no batch prices for ordinary model names, so it always gets 50%.
//   The stored per-1M prices are the ones applied, discount included: cost = tokens × price / 10^6.
// - Each part is rounded half-up to 12 places; the total is the exact sum of the rounded parts.
// - A client cost is stored as given (`client`), split over the parts in the proportions of our own
//   price (without one, of the tokens) with the rounding in the last non-zero part, so the parts
//   always add up to the total; the prices stored are ours (0 without one).
// - An unknown model costs 0 with price_source `unknown`.
import { COST_PLACES, Dec, ZERO_PRICE } from '../money.ts';
import { createCatalog, type Rates } from './catalog.ts';
import { costAtCard, makePriceCard, partsAtCard, renderCost, type CostParts, type PriceCard } from './price-card.ts';
import { createProjectPriceBook, DEFAULT_BATCH_DISCOUNT } from './project-prices.ts';
import type { CallCost, PriceRequest, PriceUsage, Pricer, ProjectPrice } from './types.ts';

const ONE = new Dec(1);
const ZERO = new Dec(0);
const DEFAULT_DISCOUNT = new Dec(DEFAULT_BATCH_DISCOUNT);
const NO_PARTS: CostParts = { input: ZERO, output: ZERO, cacheRead: ZERO, cacheWrite: ZERO };
const NO_PRICES: PriceCard['prices'] = {
  input_price: ZERO_PRICE,
  output_price: ZERO_PRICE,
  cache_read_price: ZERO_PRICE,
  cache_write_price: ZERO_PRICE,
};

interface Priced {
  parts: CostParts;
  prices: PriceCard['prices'];
  source: 'catalog' | 'project';
}

/** A card found for a call: its parts in decimals are computed only where a client cost needs them. */
interface Carded {
  card: PriceCard;
  source: 'catalog' | 'project';
}

const priced = ({ card, source }: Carded, usage: PriceUsage): Priced => ({ parts: partsAtCard(card, usage), prices: card.prices, source });

const PART_KEYS = ['input', 'output', 'cacheRead', 'cacheWrite'] as const;

/**
 * The client's total taken as given, split over the parts in the proportions of our own price, or,
 * without a price of our own (or one that comes to zero), in the proportions of the tokens (uncached
 * input, output, cache read, cache write; all of it to input when there are none). The last non-zero
 * part takes the rounding, so the parts always add up to the total exactly: `calls` stores the total
 * and computes cost_input from it and the other parts (migration 0012).
 */
function clientCost(total: Dec, priced: Priced | null, usage: PriceUsage): CallCost {
  const ours = priced ? priced.parts.input.plus(priced.parts.output).plus(priced.parts.cacheRead).plus(priced.parts.cacheWrite) : ZERO;
  const weights = priced && !ours.isZero() ? priced.parts : tokenWeights(usage);
  return renderCost(splitTotal(total, weights), priced?.prices ?? NO_PRICES, 'client', total);
}

function tokenWeights(usage: PriceUsage): CostParts {
  const uncached = Math.max(0, usage.input_tokens - usage.cache_read_tokens - usage.cache_write_tokens);
  const weights = { input: new Dec(uncached), output: new Dec(usage.output_tokens), cacheRead: new Dec(usage.cache_read_tokens), cacheWrite: new Dec(usage.cache_write_tokens) };
  return PART_KEYS.some((key) => !weights[key].isZero()) ? weights : { ...NO_PARTS, input: ONE };
}

/** `total` over the parts in proportion to `weights` (at least one non-zero), rounded to 12 places. */
function splitTotal(total: Dec, weights: CostParts): CostParts {
  const sum = weights.input.plus(weights.output).plus(weights.cacheRead).plus(weights.cacheWrite);
  const ratio = total.div(sum);
  const last = PART_KEYS.filter((key) => !weights[key].isZero()).at(-1)!;
  const split = { ...NO_PARTS };
  let assigned = ZERO;
  for (const key of PART_KEYS) {
    if (key === last || weights[key].isZero()) continue;
    split[key] = weights[key].times(ratio).toDecimalPlaces(COST_PLACES);
    assigned = assigned.plus(split[key]);
  }
  split[last] = total.toDecimalPlaces(COST_PLACES).minus(assigned);
  return split;
}

export interface PricerOptions {
  projectPrices: readonly ProjectPrice[];
}

export function createPricer({ projectPrices }: PricerOptions): Pricer {
  const book = createProjectPriceBook(projectPrices);
  const catalog = createCatalog();
  // Rate sets are shared objects (per project price, per catalog price): their cards are made once.
  const cards = new WeakMap<Rates, { full?: PriceCard; batch?: PriceCard }>();
  const cardFor = (rates: Rates, batch: boolean, discount: Dec): PriceCard => {
    let pair = cards.get(rates);
    if (!pair) cards.set(rates, (pair = {}));
    if (batch) return (pair.batch ??= makePriceCard(rates, ONE.minus(discount)));
    return (pair.full ??= makePriceCard(rates, ONE));
  };

  const ownCard = (request: PriceRequest): Carded | null => {
    const batch = request.batch ?? false;
    const atMs = typeof request.timestamp === 'number' ? request.timestamp : request.timestamp.getTime();
    const project = book.find(request.model, atMs);
    if (project) return { card: cardFor(project.rates, batch, project.batchDiscount), source: 'project' };
    const at = typeof request.timestamp === 'number' ? new Date(request.timestamp) : request.timestamp;
    const match = catalog.rates(request.model, request.provider ?? '', at, request.usage.input_tokens);
    if (!match) return null;
    // The bundled catalog lists no batch prices for ordinary model names: batch calls get the default discount.
    return { card: cardFor(match.rates, batch, DEFAULT_DISCOUNT), source: 'catalog' };
  };

  return {
    price(request) {
      const own = ownCard(request);
      if (request.clientCostTotal != null) {
        const total =
          typeof request.clientCostTotal === 'number' ? new Dec(String(request.clientCostTotal)) : new Dec(request.clientCostTotal);
        return clientCost(total, own && priced(own, request.usage), request.usage);
      }
      if (!own) return renderCost(NO_PARTS, NO_PRICES, 'unknown');
      // The same strings as the decimal path below, in integers; the decimal path for what they cannot hold.
      const fast = costAtCard(own.card, request.usage, own.source);
      if (fast) return fast;
      const { parts, prices, source } = priced(own, request.usage);
      return renderCost(parts, prices, source);
    },
  };
}
