// Rates made ready for the hot path: per-token prices and their rendered strings, computed once per rate set.
import { Dec, toPrice, ZERO_COST, COST_PLACES } from '../money.ts';
import type { Rates } from './catalog.ts';
import type { CallCost, PriceUsage } from './types.ts';

const MILLION = new Dec(1_000_000);

/** One rate set at one factor (1, or 1 − batch discount). */
export interface PriceCard {
  perToken: { input: Dec; output: Dec; cacheRead: Dec; cacheWrite: Dec };
  prices: Pick<CallCost, 'input_price' | 'output_price' | 'cache_read_price' | 'cache_write_price'>;
  /** The same per-token prices as exact scaled integers, for costAtCard; null where one is negative. */
  exact: { input: ExactRate; output: ExactRate; cacheRead: ExactRate; cacheWrite: ExactRate } | null;
}

/** A per-token price as units / 10^scale, exactly the value its Dec holds. */
interface ExactRate {
  units: bigint;
  /** Digits of `units`: with those of the tokens, at most Dec's precision keeps Dec's product exact too. */
  digits: number;
  /** Scale above 12: units × tokens is divided by this (rounded half up); else multiplied by `up`. */
  down: bigint;
  up: bigint;
}

/** Dec's precision (money.ts): a product of at most this many digits is exact there, so the integer one agrees. */
const DEC_DIGITS = 40;

function exactRate(perToken: Dec): ExactRate | null {
  if (perToken.isNegative()) return null;
  const text = perToken.toFixed(); // every digit the Dec holds, no exponent
  const dot = text.indexOf('.');
  const scale = dot < 0 ? 0 : text.length - dot - 1;
  const units = BigInt(dot < 0 ? text : text.slice(0, dot) + text.slice(dot + 1));
  return {
    units,
    digits: units === 0n ? 1 : units.toString().length,
    down: scale > COST_PLACES ? 10n ** BigInt(scale - COST_PLACES) : 1n,
    up: scale < COST_PLACES ? 10n ** BigInt(COST_PLACES - scale) : 1n,
  };
}

export function makePriceCard(rates: Rates, factor: Dec): PriceCard {
  const scaled = (rate: Dec) => (factor.equals(1) ? rate : rate.times(factor));
  const input = scaled(rates.input);
  const output = scaled(rates.output);
  const cacheRead = scaled(rates.cacheRead);
  const cacheWrite = scaled(rates.cacheWrite);
  const perToken = {
    input: input.div(MILLION),
    output: output.div(MILLION),
    cacheRead: cacheRead.div(MILLION),
    cacheWrite: cacheWrite.div(MILLION),
  };
  const exact = [exactRate(perToken.input), exactRate(perToken.output), exactRate(perToken.cacheRead), exactRate(perToken.cacheWrite)];
  return {
    perToken,
    exact: exact.every((rate) => rate !== null)
      ? { input: exact[0]!, output: exact[1]!, cacheRead: exact[2]!, cacheWrite: exact[3]! }
      : null,
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

/** A part in units of 10^-12 USD: tokens × price rounded half up to 12 places, as `part` does; null past Dec's precision. */
function exactPart(tokens: number, rate: ExactRate): bigint | null {
  if (tokens === 0) return 0n;
  if (!Number.isSafeInteger(tokens) || tokens < 0 || rate.digits + String(tokens).length > DEC_DIGITS) return null;
  const product = BigInt(tokens) * rate.units;
  // Half up on a non-negative value: add half the divisor, then truncate.
  return rate.down === 1n ? product * rate.up : (product + rate.down / 2n) / rate.down;
}

/** 10^-12 USD units as a cost column, as `render` writes it. */
function renderExact(units: bigint): string {
  if (units === 0n) return ZERO_COST;
  const digits = units.toString().padStart(COST_PLACES + 1, '0');
  return `${digits.slice(0, -COST_PLACES)}.${digits.slice(-COST_PLACES)}`;
}

/**
 * The cost columns of a call at a card without a client cost: the same strings as
 * renderCost(partsAtCard(card, usage), ...), in integers (the ingestion hot path: decimal.js took
 * most of a call's normalisation time). Null when a price or a token count is out of its range.
 */
export function costAtCard(card: PriceCard, usage: PriceUsage, source: CallCost['price_source']): CallCost | null {
  const exact = card.exact;
  if (!exact) return null;
  const uncached = Math.max(0, usage.input_tokens - usage.cache_read_tokens - usage.cache_write_tokens);
  const input = exactPart(uncached, exact.input);
  const output = exactPart(usage.output_tokens, exact.output);
  const cacheRead = exactPart(usage.cache_read_tokens, exact.cacheRead);
  const cacheWrite = exactPart(usage.cache_write_tokens, exact.cacheWrite);
  if (input === null || output === null || cacheRead === null || cacheWrite === null) return null;
  return {
    cost_input: renderExact(input),
    cost_output: renderExact(output),
    cost_cache_read: renderExact(cacheRead),
    cost_cache_write: renderExact(cacheWrite),
    cost_total: renderExact(input + output + cacheRead + cacheWrite),
    price_source: source,
    ...card.prices,
  };
}
