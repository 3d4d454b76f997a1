// The integer cost path (costAtCard) against the decimal one it stands in for: the same strings for
// every price and token count, and no answer where the decimals would have rounded the product.
import { describe, expect, it } from 'vitest';
import { Dec } from '../src/money.ts';
import { costAtCard, makePriceCard, partsAtCard, renderCost } from '../src/pricing/price-card.ts';
import type { Rates } from '../src/pricing/catalog.ts';
import type { PriceUsage } from '../src/pricing/types.ts';

// A small deterministic generator, so that a failure names a case that can be run again.
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Prices as catalogs and projects write them: 0, whole, few places, 9 places, long fractions. */
function rate(next: () => number): Dec {
  const kind = Math.floor(next() * 6);
  if (kind === 0) return new Dec(0);
  if (kind === 1) return new Dec(Math.floor(next() * 100));
  if (kind === 2) return new Dec((Math.floor(next() * 100_000) / 1000).toString());
  if (kind === 3) return new Dec((next() * 50).toFixed(9));
  if (kind === 4) return new Dec(`0.${String(Math.floor(next() * 1e15)).padStart(15, '0')}`);
  return new Dec(1).div(Math.floor(next() * 997) + 3); // 40 significant digits
}

function tokens(next: () => number): number {
  const kind = Math.floor(next() * 4);
  if (kind === 0) return 0;
  if (kind === 1) return Math.floor(next() * 1000);
  if (kind === 2) return Math.floor(next() * 1_000_000);
  return Math.floor(next() * 1_000_000_000) + 1;
}

const decimalCost = (rates: Rates, factor: Dec, usage: PriceUsage, source: 'catalog' | 'project' = 'catalog') => {
  const card = makePriceCard(rates, factor);
  return renderCost(partsAtCard(card, usage), card.prices, source);
};

describe('costs in integers', () => {
  it('give the decimal path’s strings for 20,000 random prices, discounts and token counts', () => {
    const next = random(20261202);
    const factors = [new Dec(1), new Dec('0.5'), new Dec('0.75'), new Dec(1).minus(new Dec('0.333333333'))];
    let compared = 0;
    for (let i = 0; i < 20_000; i++) {
      const rates: Rates = { input: rate(next), output: rate(next), cacheRead: rate(next), cacheWrite: rate(next) };
      const factor = factors[i % factors.length]!;
      const input = tokens(next);
      const cacheRead = Math.floor(next() * input * 0.6);
      const usage: PriceUsage = { input_tokens: input, output_tokens: tokens(next), cache_read_tokens: cacheRead, cache_write_tokens: Math.floor(next() * (input - cacheRead)) };
      const fast = costAtCard(makePriceCard(rates, factor), usage, 'catalog');
      if (fast === null) continue; // past Dec's precision: the pricer takes the decimal path
      expect(fast, JSON.stringify({ i, rates, factor, usage })).toEqual(decimalCost(rates, factor, usage));
      compared++;
    }
    expect(compared).toBeGreaterThan(10_000); // the others hold a 40-digit price (1/n) and a large token count
  });

  it('round half up at the 12th place, as the decimal path does', () => {
    // 0.0000005 and 0.0000015 USD per 1M tokens: 5e-13 × 3 and 1.5e-12 × 1, exactly half a unit over 1e-12.
    const half = { input: new Dec('0.0000005'), output: new Dec('0.0000015'), cacheRead: new Dec(0), cacheWrite: new Dec(0) };
    const usage: PriceUsage = { input_tokens: 3, output_tokens: 1, cache_read_tokens: 0, cache_write_tokens: 0 };
    const halfCost = costAtCard(makePriceCard(half, new Dec(1)), usage, 'project')!;
    expect(halfCost).toEqual(decimalCost(half, new Dec(1), usage, 'project'));
    expect([halfCost.cost_input, halfCost.cost_output]).toEqual(['0.000000000002', '0.000000000002']);
    const tiny: Rates = { input: new Dec('0.00000005'), output: new Dec('0.00000015'), cacheRead: new Dec(0), cacheWrite: new Dec(0) };
    const cost = costAtCard(makePriceCard(tiny, new Dec(1)), usage, 'project')!;
    expect(cost).toEqual(decimalCost(tiny, new Dec(1), usage, 'project'));
    expect([cost.cost_input, cost.cost_output]).toEqual(['0.000000000000', '0.000000000000']); // 1.5e-13 each: below half a unit
  });

  it('leave to the decimal path what it would round: products past 40 digits, negative prices, fractional tokens', () => {
    const long: Rates = { input: new Dec(1).div(7), output: new Dec(1), cacheRead: new Dec(1), cacheWrite: new Dec(1) };
    const usage: PriceUsage = { input_tokens: 999_999_999, output_tokens: 1, cache_read_tokens: 0, cache_write_tokens: 0 };
    expect(costAtCard(makePriceCard(long, new Dec(1)), usage, 'catalog')).toBeNull();
    const negative: Rates = { input: new Dec(-1), output: new Dec(1), cacheRead: new Dec(1), cacheWrite: new Dec(1) };
    expect(costAtCard(makePriceCard(negative, new Dec(1)), usage, 'catalog')).toBeNull();
    const plain: Rates = { input: new Dec(1), output: new Dec(1), cacheRead: new Dec(1), cacheWrite: new Dec(1) };
    expect(costAtCard(makePriceCard(plain, new Dec(1)), { ...usage, output_tokens: 1.5 }, 'catalog')).toBeNull();
  });
});
