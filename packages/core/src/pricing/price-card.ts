// Rates made ready for the hot path: per-token prices and their rendered strings, computed once per rate set.
import { Dec, toPrice, ZERO_COST, COST_PLACES } from '../money.ts';
import type { Rates } from './catalog.ts';
import type { CallCost, PriceUsage } from './types.ts';

const MILLION = new Dec(1_000_000);

/** One rate set at one factor (1, or 1 − batch discount). */
export interface PriceCard {
  perToken: { input: Dec; output: Dec; cacheRead: Dec; cacheWrite: Dec };
  prices: Pick<CallCost, 'input_price' | 'output_price' | 'cache_read_price' | 'cache_write_price'>;
}

export function makePriceCard(rates: Rates, factor: Dec): PriceCard {
  const scaled = (rate: Dec) => (factor.equals(1) ? rate : rate.times(factor));
  const input = scaled(rates.input);
  const output = scaled(rates.output);
  const cacheRead = scaled(rates.cacheRead);
  const cacheWrite = scaled(rates.cacheWrite);
  return {
    perToken: {
      input: input.div(MILLION),
      output: output.div(MILLION),
      cacheRead: cacheRead.div(MILLION),
      cacheWrite: cacheWrite.div(MILLION),
    },
    prices: {
      input_price: toPrice(input),
      output_price: toPrice(output),
      cache_read_price: toPrice(cacheRead),
      cache_write_price: toPrice(cacheWrite),
    },
  };
}

const ZERO = new Dec(0);
const part = (tokens: number, perToken: Dec): Dec => (tokens === 0 ? ZERO : perToken.times(tokens).toDecimalPlaces(COST_PLACES));
const render = (value: Dec): string => (value.isZero() ? ZERO_COST : value.toFixed(COST_PLACES));

/** The four parts of a call at a card, each rounded to 12 places. */
export interface CostParts {
  input: Dec;
  output: Dec;
  cacheRead: Dec;
  cacheWrite: Dec;
}

export function partsAtCard(card: PriceCard, usage: PriceUsage): CostParts {
  // Uncached input: cache reads and writes are inside input_tokens and priced at their own rates.
  const uncached = Math.max(0, usage.input_tokens - usage.cache_read_tokens - usage.cache_write_tokens);
  return {
    input: part(uncached, card.perToken.input),
    output: part(usage.output_tokens, card.perToken.output),
    cacheRead: part(usage.cache_read_tokens, card.perToken.cacheRead),
    cacheWrite: part(usage.cache_write_tokens, card.perToken.cacheWrite),
  };
}

/** The cost columns; the total is the exact sum of the rounded parts unless given. */
export function renderCost(parts: CostParts, prices: PriceCard['prices'], source: CallCost['price_source'], total?: Dec): CallCost {
  return {
    cost_input: render(parts.input),
    cost_output: render(parts.output),
    cost_cache_read: render(parts.cacheRead),
    cost_cache_write: render(parts.cacheWrite),
    cost_total: render(total ?? parts.input.plus(parts.output).plus(parts.cacheRead).plus(parts.cacheWrite)),
    price_source: source,
    ...prices,
  };
}
