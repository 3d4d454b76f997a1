// The demo's models on three price tiers, their real catalog prices and the exact cost of a call.
// Prices come from core's catalog (@pydantic/genai-prices, as at ingestion); costs are computed as
// integer pico-USD (1e-12), exact, so they equal core's pricer to the last place and run 10M times fast.
import { createCatalog, type Dec } from '@margin/core';

export type Tier = 'small' | 'mid' | 'premium';

export interface DemoModel {
  provider: 'openai' | 'anthropic';
  /** As sent to the provider. */
  model: string;
  tier: Tier;
  /** Median time to first token and output speed, for durations. */
  ttftMs: number;
  tokensPerSecond: number;
  /** Whether its output includes hidden reasoning tokens. */
  reasoning: boolean;
}

export const DEMO_MODELS = {
  gpt4oMini: { provider: 'openai', model: 'gpt-4o-mini-2024-07-18', tier: 'small', ttftMs: 350, tokensPerSecond: 90, reasoning: false },
  haiku: { provider: 'anthropic', model: 'claude-3-5-haiku-20241022', tier: 'small', ttftMs: 450, tokensPerSecond: 70, reasoning: false },
  gpt4o: { provider: 'openai', model: 'gpt-4o-2024-08-06', tier: 'mid', ttftMs: 500, tokensPerSecond: 60, reasoning: false },
  sonnet: { provider: 'anthropic', model: 'claude-3-5-sonnet-20241022', tier: 'mid', ttftMs: 650, tokensPerSecond: 55, reasoning: false },
  o1: { provider: 'openai', model: 'o1-2024-12-17', tier: 'premium', ttftMs: 900, tokensPerSecond: 80, reasoning: true },
  opus: { provider: 'anthropic', model: 'claude-3-opus-20240229', tier: 'premium', ttftMs: 1100, tokensPerSecond: 25, reasoning: false },
} as const satisfies Record<string, DemoModel>;

export type DemoModelKey = keyof typeof DEMO_MODELS;

/** USD per 1M tokens, as integers of 1e-6 USD (so tokens × price is pico-USD, exact). */
export interface MicroPrices {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

/** Batch APIs (OpenAI, Anthropic) charge half of every token price. */
export const BATCH_DISCOUNT = 0.5;

const catalog = createCatalog();

function toMicro(usdPerMillion: Dec, model: string): number {
  const micro = usdPerMillion.times(1_000_000);
  if (!micro.isInteger()) throw new Error(`demo model ${model}: price ${usdPerMillion.toString()} is finer than 1e-6 USD per 1M`);
  return micro.toNumber();
}

/** The catalog's prices for a model at a time (core's catalog, as ingestion prices); throws if unknown. */
export function catalogPrices(model: DemoModel, at: Date): MicroPrices {
  // Rates of a tiered price depend on the prompt size; the demo models have flat prices.
  const match = catalog.rates(model.model, model.provider, at, 1);
  if (!match) throw new Error(`demo model ${model.model} is not in the price catalog`);
  return {
    input: toMicro(match.rates.input, model.model),
    output: toMicro(match.rates.output, model.model),
    cacheRead: toMicro(match.rates.cacheRead, model.model),
    cacheWrite: toMicro(match.rates.cacheWrite, model.model),
  };
}

const ZEROS = Array.from({ length: 19 }, (_, n) => '0'.repeat(n));
const POWERS = Array.from({ length: 16 }, (_, n) => 10 ** n);

/** Formats a non-negative integer count of 10^-scale units (below 2^53) as a decimal string. */
export function formatFixed(units: number, scale: number): string {
  const whole = Math.floor(units / POWERS[scale]!);
  const fraction = String(units - whole * POWERS[scale]!);
  return `${whole}.${ZEROS[scale - fraction.length]}${fraction}`;
}

export interface CallCost {
  cost_input: string;
  cost_output: string;
  cost_cache_read: string;
  cost_cache_write: string;
  cost_total: string;
  input_price: string;
  output_price: string;
  cache_read_price: string;
  cache_write_price: string;
}

/**
 * Cost of one call. `inputTokens` includes cache reads and writes (OpenAI's convention), so the
 * uncached part is billed at the input price and the cached parts at theirs.
 */
export function priceCall(
  prices: MicroPrices,
  usage: { inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number },
  batch: boolean,
): CallCost {
  const applied = appliedPrices(prices, batch);
  const input = (usage.inputTokens - usage.cacheReadTokens - usage.cacheWriteTokens) * applied.input;
  const output = usage.outputTokens * applied.output;
  const cacheRead = usage.cacheReadTokens * applied.cacheRead;
  const cacheWrite = usage.cacheWriteTokens * applied.cacheWrite;
  return {
    cost_input: formatFixed(input, 12),
    cost_output: formatFixed(output, 12),
    cost_cache_read: cacheRead === 0 ? ZERO_COST : formatFixed(cacheRead, 12),
    cost_cache_write: cacheWrite === 0 ? ZERO_COST : formatFixed(cacheWrite, 12),
    cost_total: formatFixed(input + output + cacheRead + cacheWrite, 12),
    ...applied.strings,
  };
}

const ZERO_COST = formatFixed(0, 12);

interface AppliedPrices extends MicroPrices {
  strings: Pick<CallCost, 'input_price' | 'output_price' | 'cache_read_price' | 'cache_write_price'>;
}

const appliedCache = new WeakMap<MicroPrices, { list: AppliedPrices; batch: AppliedPrices }>();

/** The prices a call is billed at (batch discount included), with their column strings, memoised. */
function appliedPrices(prices: MicroPrices, batch: boolean): AppliedPrices {
  let entry = appliedCache.get(prices);
  if (!entry) {
    entry = { list: discounted(prices, 1), batch: discounted(prices, BATCH_DISCOUNT) };
    appliedCache.set(prices, entry);
  }
  return batch ? entry.batch : entry.list;
}

function discounted(prices: MicroPrices, factor: number): AppliedPrices {
  // Prices are multiples of 1e-3 USD per 1M for every demo model, so halving stays an integer.
  const input = Math.round(prices.input * factor);
  const output = Math.round(prices.output * factor);
  const cacheRead = Math.round(prices.cacheRead * factor);
  const cacheWrite = Math.round(prices.cacheWrite * factor);
  return {
    input,
    output,
    cacheRead,
    cacheWrite,
    // Stored prices are the ones applied (Decimal64(9) columns, USD per 1M tokens).
    strings: {
      input_price: formatFixed(input * 1000, 9),
      output_price: formatFixed(output * 1000, 9),
      cache_read_price: formatFixed(cacheRead * 1000, 9),
      cache_write_price: formatFixed(cacheWrite * 1000, 9),
    },
  };
}
