// A project's own prices: which one applies to a model at a time (newest start date not after the call).
import { Dec } from '../money.ts';
import type { Rates } from './catalog.ts';
import { compileMatchPattern } from './model-price-input.ts';
import type { ProjectPrice } from './types.ts';

/** Without a batch discount of its own, a batch call costs half (OpenAI's, Anthropic's and Google's batch APIs). */
export const DEFAULT_BATCH_DISCOUNT = '0.5';

export interface CompiledProjectPrice {
  price: ProjectPrice;
  startMs: number;
  rates: Rates;
  batchDiscount: Dec;
}

const MAX_CACHED_NAMES = 10_000;

function compile(price: ProjectPrice): CompiledProjectPrice & { pattern: RegExp | null } {
  const input = new Dec(price.inputPrice);
  let pattern: RegExp | null;
  try {
    pattern = compileMatchPattern(price.matchPattern);
  } catch {
    pattern = null; // validated on the way in; a bad stored row must not stop ingestion
  }
  return {
    price,
    pattern,
    startMs: price.startDate.getTime(),
    rates: {
      input,
      output: new Dec(price.outputPrice),
      cacheRead: price.cacheReadPrice != null ? new Dec(price.cacheReadPrice) : input,
      cacheWrite: price.cacheWritePrice != null ? new Dec(price.cacheWritePrice) : input,
    },
    batchDiscount: new Dec(price.batchDiscount ?? DEFAULT_BATCH_DISCOUNT),
  };
}

export interface ProjectPriceBook {
  /** The project price for `model` at `atMs`, or null: then the catalog prices the call. */
  find(model: string, atMs: number): CompiledProjectPrice | null;
}

export function createProjectPriceBook(prices: readonly ProjectPrice[]): ProjectPriceBook {
  const compiled = prices.map(compile);
  // Per model name: its matching prices, newest start first (ties: the earlier in the list wins).
  const byModel = new Map<string, CompiledProjectPrice[]>();
  return {
    find(model, atMs) {
      if (compiled.length === 0) return null;
      let matches = byModel.get(model);
      if (matches === undefined) {
        if (byModel.size >= MAX_CACHED_NAMES) byModel.clear();
        matches = compiled
          .filter((c) => c.pattern !== null && c.pattern.test(model))
          .map((c, order) => ({ c, order }))
          .sort((a, b) => b.c.startMs - a.c.startMs || a.order - b.order)
          .map(({ c }) => c);
        byModel.set(model, matches);
      }
      for (const match of matches) if (match.startMs <= atMs) return match;
      return null;
    },
  };
}
