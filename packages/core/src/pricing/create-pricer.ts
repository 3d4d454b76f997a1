// Prices one call at ingestion: client cost, else a project price, else the catalog, else unknown (zero).
import { COST_PLACES, Dec, ZERO_PRICE } from '../money.ts';
import { createCatalog, type Rates } from './catalog.ts';
import { makePriceCard, partsAtCard, renderCost, type CostParts, type PriceCard } from './price-card.ts';
import { createProjectPriceBook, DEFAULT_BATCH_DISCOUNT } from './project-prices.ts';
import type { CallCost, PriceRequest, Pricer, ProjectPrice } from './types.ts';

const ONE = new Dec(1);
const ZERO = new Dec(0);
const DEFAULT_DISCOUNT = new Dec(DEFAULT_BATCH_DISCOUNT);
const NO_PARTS: CostParts = { input: ZERO, output: ZERO, cacheRead: ZERO, cacheWrite: ZERO };
const NO_PRICES: PriceCard['prices'] = { input_price: ZERO_PRICE, output_price: ZERO_PRICE, cache_read_price: ZERO_PRICE, cache_write_price: ZERO_PRICE };

interface Priced {
  parts: CostParts;
  prices: PriceCard['prices'];
  source: 'catalog' | 'project';
}

const PART_KEYS = ['input', 'output', 'cacheRead', 'cacheWrite'] as const;

/**
 * The client's total taken as given, split over the parts in the proportions of our own price
 * (the last non-zero part takes the rounding, so the parts add up to the total exactly); with no
 * price of our own, or one that comes to zero, the parts are 0 and only the total is stored.
 */
function clientCost(total: Dec, priced: Priced | null): CallCost {
  if (!priced) return renderCost(NO_PARTS, NO_PRICES, 'client', total);
  const { parts } = priced;
  const ours = parts.input.plus(parts.output).plus(parts.cacheRead).plus(parts.cacheWrite);
  if (ours.isZero()) return renderCost(NO_PARTS, priced.prices, 'client', total);
  const ratio = total.div(ours);
  const last = PART_KEYS.filter((key) => !parts[key].isZero()).at(-1)!;
  const split = { ...NO_PARTS };
  let assigned = ZERO;
  for (const key of PART_KEYS) {
    if (key === last || parts[key].isZero()) continue;
    split[key] = parts[key].times(ratio).toDecimalPlaces(COST_PLACES);
    assigned = assigned.plus(split[key]);
  }
  split[last] = total.toDecimalPlaces(COST_PLACES).minus(assigned);
  return renderCost(split, priced.prices, 'client', total);
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

  const ownPrice = (request: PriceRequest): Priced | null => {
    const batch = request.batch ?? false;
    const atMs = typeof request.timestamp === 'number' ? request.timestamp : request.timestamp.getTime();
    const project = book.find(request.model, atMs);
    if (project) {
      const card = cardFor(project.rates, batch, project.batchDiscount);
      return { parts: partsAtCard(card, request.usage), prices: card.prices, source: 'project' };
    }
    const at = typeof request.timestamp === 'number' ? new Date(request.timestamp) : request.timestamp;
    const match = catalog.rates(request.model, request.provider ?? '', at, request.usage.input_tokens);
    if (!match) return null;
    // The bundled catalog lists no batch prices for ordinary model names: batch calls get the default discount.
    const card = cardFor(match.rates, batch, DEFAULT_DISCOUNT);
    return { parts: partsAtCard(card, request.usage), prices: card.prices, source: 'catalog' };
  };

  return {
    price(request) {
      const priced = ownPrice(request);
      if (request.clientCostTotal != null) {
        const total = typeof request.clientCostTotal === 'number' ? new Dec(String(request.clientCostTotal)) : new Dec(request.clientCostTotal);
        return clientCost(total, priced);
      }
      return priced ? renderCost(priced.parts, priced.prices, priced.source) : renderCost(NO_PARTS, NO_PRICES, 'unknown');
    },
  };
}
