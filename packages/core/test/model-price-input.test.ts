// The body of POST /api/public/models: validated, then stored in the pricer's form.
import { describe, expect, it } from 'vitest';
import { createPricer, formatIssues, projectPriceFromInput, ZModelPriceInput } from '../src/index.ts';

const body = {
  model_name: 'our finetune',
  match_pattern: 'ft:gpt-4o-mini:acme:.*',
  input_price: 0.3,
  output_price: '1.2',
  cache_read_price: null,
  start_date: '2025-01-01',
};

describe('ZModelPriceInput', () => {
  it('accepts prices as numbers or decimal strings and a date or date-time', () => {
    const parsed = ZModelPriceInput.parse(body);
    expect(parsed).toMatchObject({
      input_price: '0.3',
      output_price: '1.2',
      cache_read_price: null,
      start_date: new Date('2025-01-01T00:00:00Z'),
    });
    const price = projectPriceFromInput(parsed);
    expect(price).toMatchObject({ modelName: 'our finetune', inputPrice: '0.3', cacheReadPrice: null, batchDiscount: null });
    // and the pricer uses it: 1M in, 1M out → 0.3 + 1.2
    const cost = createPricer({ projectPrices: [price] }).price({
      model: 'FT:gpt-4o-mini:acme:xyz',
      timestamp: Date.UTC(2025, 5, 1),
      usage: { input_tokens: 1_000_000, output_tokens: 1_000_000, cache_read_tokens: 0, cache_write_tokens: 0 },
    });
    expect(cost).toMatchObject({ price_source: 'project', cost_total: '1.500000000000' });
  });

  it('rejects a pattern that does not compile, negative prices and a discount above 1, naming each field', () => {
    const result = ZModelPriceInput.safeParse({ ...body, match_pattern: 'gpt-(4', input_price: -1, batch_discount: 1.5 });
    expect(result.success).toBe(false);
    const message = formatIssues(result.error!.issues);
    expect(message).toContain('match_pattern: expected a valid regular expression');
    expect(message).toContain('input_price: expected a price in USD per 1M tokens from 0 to 1000');
    expect(message).toContain('batch_discount: expected a fraction from 0 to 1 (0.5 = half price)');
    expect(formatIssues(ZModelPriceInput.safeParse({ match_pattern: 'x', input_price: 1, output_price: 1 }).error!.issues)).toBe(
      'model_name: required',
    );
  });
});
