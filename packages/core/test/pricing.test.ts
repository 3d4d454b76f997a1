// Pricing rules of CONTRACT.md "Prices", with costs computed by hand from the bundled catalog's numbers.
import { describe, expect, it } from 'vitest';
import { createPricer, Dec, type PriceRequest, type ProjectPrice } from '../src/index.ts';

const catalogOnly = createPricer({ projectPrices: [] });
const at = (iso: string) => Date.parse(iso);

// gpt-4o-mini in the catalog: input 0.15, cache read 0.075, output 0.6 USD per 1M tokens (no cache write price).
const MINI: PriceRequest = {
  model: 'gpt-4o-mini-2024-07-18',
  provider: 'openai',
  timestamp: at('2025-03-01T12:00:00Z'),
  usage: { input_tokens: 1000, output_tokens: 500, cache_read_tokens: 200, cache_write_tokens: 0 },
};

describe('catalog prices', () => {
  it('prices gpt-4o-mini with cached input inside input_tokens', () => {
    // uncached 800 × 0.15 / 1e6 = 0.00012; cache read 200 × 0.075 / 1e6 = 0.000015; output 500 × 0.6 / 1e6 = 0.0003
    expect(catalogOnly.price(MINI)).toEqual({
      cost_input: '0.000120000000',
      cost_output: '0.000300000000',
      cost_cache_read: '0.000015000000',
      cost_cache_write: '0.000000000000',
      cost_total: '0.000435000000',
      price_source: 'catalog',
      input_price: '0.150000000',
      output_price: '0.600000000',
      cache_read_price: '0.075000000',
      // no cache write price in the catalog: the input price applies
      cache_write_price: '0.150000000',
    });
  });

  it('prices cache writes at their own price (claude-sonnet-4: 3 / 3.75 write / 0.3 read / 15)', () => {
    const cost = catalogOnly.price({
      model: 'claude-sonnet-4-20250514',
      provider: 'anthropic',
      timestamp: at('2025-08-01T00:00:00Z'),
      usage: { input_tokens: 2600, cache_read_tokens: 2000, cache_write_tokens: 500, output_tokens: 300 },
    });
    // uncached 100 × 3 = 0.0003; read 2000 × 0.3 = 0.0006; write 500 × 3.75 = 0.001875; output 300 × 15 = 0.0045 (all / 1e6)
    expect(cost).toMatchObject({
      cost_input: '0.000300000000',
      cost_cache_read: '0.000600000000',
      cost_cache_write: '0.001875000000',
      cost_output: '0.004500000000',
      cost_total: '0.007275000000',
      cache_write_price: '3.750000000',
      price_source: 'catalog',
    });
  });

  it('prices cache reads at the input price where the catalog has no cache read price (aws claude-3-haiku: 0.25 / 1.25)', () => {
    const cost = catalogOnly.price({
      model: 'claude-3-haiku-20240307',
      provider: 'aws',
      timestamp: at('2025-08-01T00:00:00Z'),
      usage: { input_tokens: 1000, cache_read_tokens: 400, cache_write_tokens: 0, output_tokens: 0 },
    });
    // 600 × 0.25 / 1e6 = 0.00015 and 400 × 0.25 / 1e6 = 0.0001
    expect(cost).toMatchObject({
      cost_input: '0.000150000000',
      cost_cache_read: '0.000100000000',
      cost_total: '0.000250000000',
      cache_read_price: '0.250000000',
    });
  });

  it('uses the provider hint when given (gpt-oss-120b: openai 0.039 / 0.18, cerebras 0.35 / 0.75)', () => {
    const usage = { input_tokens: 1_000_000, output_tokens: 1_000_000, cache_read_tokens: 0, cache_write_tokens: 0 };
    const base = { model: 'gpt-oss-120b', timestamp: at('2025-09-01T00:00:00Z'), usage };
    expect(catalogOnly.price({ ...base, provider: 'cerebras' }).cost_total).toBe('1.100000000000');
    expect(catalogOnly.price({ ...base, provider: 'openai' }).cost_total).toBe('0.219000000000');
    expect(catalogOnly.price(base).cost_total).toBe('0.219000000000');
    // an unknown hint falls back to the model name alone
    expect(catalogOnly.price({ ...base, provider: 'my-gateway' }).cost_total).toBe('0.219000000000');
  });

  it('finds `provider/model` names', () => {
    expect(catalogOnly.price({ ...MINI, model: 'openai/gpt-4o-mini', provider: null }).cost_total).toBe('0.000435000000');
  });

  it('applies the catalog price in force at the call (o3: 10 / 40, from 2025-06-10 2 / 8)', () => {
    const usage = { input_tokens: 1_000_000, output_tokens: 100_000, cache_read_tokens: 0, cache_write_tokens: 0 };
    // before: 10 + 0.1 × 40 = 14; after: 2 + 0.1 × 8 = 2.8
    expect(catalogOnly.price({ model: 'o3', provider: 'openai', timestamp: at('2025-06-09T23:59:59Z'), usage }).cost_total).toBe(
      '14.000000000000',
    );
    expect(catalogOnly.price({ model: 'o3', provider: 'openai', timestamp: at('2025-06-10T00:00:00Z'), usage }).cost_total).toBe(
      '2.800000000000',
    );
  });

  it('applies time-of-day prices (deepseek-chat: 0.27 from 00:30 to 16:30 UTC, 0.135 otherwise)', () => {
    const usage = { input_tokens: 1_000_000, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0 };
    expect(catalogOnly.price({ model: 'deepseek-chat', timestamp: at('2025-09-01T10:00:00Z'), usage }).input_price).toBe('0.270000000');
    expect(catalogOnly.price({ model: 'deepseek-chat', timestamp: at('2025-09-01T20:00:00Z'), usage }).input_price).toBe('0.135000000');
  });

  it('applies a tiered price by the size of the whole prompt (claude-sonnet-4-6: 3 / 15, above 200k tokens 6 / 22.5)', () => {
    const small = { input_tokens: 200_000, output_tokens: 1000, cache_read_tokens: 0, cache_write_tokens: 0 };
    const large = { ...small, input_tokens: 250_000 };
    const request = { model: 'claude-sonnet-4-6', provider: 'anthropic', timestamp: at('2026-03-01T00:00:00Z') };
    // 200000 × 3 / 1e6 = 0.6 + 1000 × 15 / 1e6 = 0.015
    expect(catalogOnly.price({ ...request, usage: small }).cost_total).toBe('0.615000000000');
    // 250000 × 6 / 1e6 = 1.5 + 1000 × 22.5 / 1e6 = 0.0225
    expect(catalogOnly.price({ ...request, usage: large }).cost_total).toBe('1.522500000000');
  });

  it('prices batch calls at half the catalog price', () => {
    // 800 × 0.075 = 0.00006; 200 × 0.0375 = 0.0000075; 500 × 0.3 = 0.00015 (all / 1e6)
    expect(catalogOnly.price({ ...MINI, batch: true })).toMatchObject({
      cost_input: '0.000060000000',
      cost_cache_read: '0.000007500000',
      cost_output: '0.000150000000',
      cost_total: '0.000217500000',
      input_price: '0.075000000',
      cache_read_price: '0.037500000',
      output_price: '0.300000000',
    });
  });

  it('costs an unknown model zero, marked unknown', () => {
    const cost = catalogOnly.price({ ...MINI, model: 'our-own-finetune-v7', provider: '' });
    expect(cost.price_source).toBe('unknown');
    expect([cost.cost_input, cost.cost_output, cost.cost_cache_read, cost.cost_cache_write, cost.cost_total]).toEqual(
      Array(5).fill('0.000000000000'),
    );
    expect(cost.input_price).toBe('0.000000000');
    expect(catalogOnly.price({ ...MINI, model: '' }).price_source).toBe('unknown');
  });
});

const price = (over: Partial<ProjectPrice>): ProjectPrice => ({
  modelName: 'mini',
  matchPattern: 'gpt-4o-mini.*',
  inputPrice: '1',
  outputPrice: '2',
  startDate: new Date('2025-01-01T00:00:00Z'),
  ...over,
});

describe('project prices', () => {
  it('beat the catalog; a missing cache read price means the input price', () => {
    const pricer = createPricer({ projectPrices: [price({})] });
    // uncached 800 × 1 = 0.0008; read 200 × 1 = 0.0002; output 500 × 2 = 0.001 (all / 1e6)
    expect(pricer.price(MINI)).toEqual({
      cost_input: '0.000800000000',
      cost_output: '0.001000000000',
      cost_cache_read: '0.000200000000',
      cost_cache_write: '0.000000000000',
      cost_total: '0.002000000000',
      price_source: 'project',
      input_price: '1.000000000',
      output_price: '2.000000000',
      cache_read_price: '1.000000000',
      cache_write_price: '1.000000000',
    });
  });

  it('match the whole name, case-insensitively', () => {
    const pricer = createPricer({
      projectPrices: [price({ matchPattern: 'GPT-4O-MINI-2024-07-18' }), price({ matchPattern: 'gpt-4o', inputPrice: '99' })],
    });
    expect(pricer.price(MINI).input_price).toBe('1.000000000');
    // 'gpt-4o' is not the whole of 'gpt-4o-2024-08-06': the catalog prices it
    expect(pricer.price({ ...MINI, model: 'gpt-4o-2024-08-06' }).price_source).toBe('catalog');
  });

  it('apply the newest start date not after the call, and the catalog before the first', () => {
    const pricer = createPricer({
      projectPrices: [
        price({ inputPrice: '2', startDate: new Date('2025-06-01T00:00:00Z') }),
        price({ inputPrice: '1', startDate: new Date('2025-01-01T00:00:00Z') }),
        price({ inputPrice: '3', startDate: new Date('2026-01-01T00:00:00Z') }),
      ],
    });
    expect(pricer.price({ ...MINI, timestamp: at('2025-03-01T00:00:00Z') }).input_price).toBe('1.000000000');
    expect(pricer.price({ ...MINI, timestamp: at('2025-06-01T00:00:00Z') }).input_price).toBe('2.000000000');
    expect(pricer.price({ ...MINI, timestamp: new Date('2025-12-31T23:59:59Z') }).input_price).toBe('2.000000000');
    expect(pricer.price({ ...MINI, timestamp: at('2026-02-01T00:00:00Z') }).input_price).toBe('3.000000000');
    const before = pricer.price({ ...MINI, timestamp: at('2024-12-31T00:00:00Z') });
    expect(before.price_source).toBe('catalog');
    expect(before.input_price).toBe('0.150000000');
  });

  it('price cache reads and writes at their own prices and batch calls at their own discount', () => {
    const pricer = createPricer({ projectPrices: [price({ cacheReadPrice: '0.1', cacheWritePrice: '1.25', batchDiscount: '0.25' })] });
    const usage = { input_tokens: 1000, cache_read_tokens: 200, cache_write_tokens: 300, output_tokens: 500 };
    // × 0.75: input 0.75, read 0.075, write 0.9375, output 1.5
    // uncached 500 × 0.75 = 0.000375; read 200 × 0.075 = 0.000015; write 300 × 0.9375 = 0.00028125; output 500 × 1.5 = 0.00075
    expect(pricer.price({ ...MINI, usage, batch: true })).toMatchObject({
      cost_input: '0.000375000000',
      cost_cache_read: '0.000015000000',
      cost_cache_write: '0.000281250000',
      cost_output: '0.000750000000',
      cost_total: '0.001421250000',
      cache_write_price: '0.937500000',
      price_source: 'project',
    });
    // without its own discount a project price is halved for batch calls
    expect(createPricer({ projectPrices: [price({})] }).price({ ...MINI, batch: true }).input_price).toBe('0.500000000');
  });

  it('skip a stored pattern that no longer compiles instead of failing the call', () => {
    const pricer = createPricer({ projectPrices: [price({ matchPattern: '(' })] });
    expect(pricer.price(MINI).price_source).toBe('catalog');
  });
});

describe('client cost', () => {
  it('is taken as given and split over the parts in our price proportions', () => {
    const cost = catalogOnly.price({ ...MINI, clientCostTotal: 0.01 });
    // our parts 0.00012 / 0.0003 / 0.000015 of 0.000435:
    // input 0.01 × 0.00012 / 0.000435 = 0.0027586206896… → 0.002758620690
    // output 0.01 × 0.0003 / 0.000435 = 0.0068965517241… → 0.006896551724
    // cache read (the last non-zero part) takes the rest: 0.01 − 0.009655172414 = 0.000344827586
    expect(cost).toMatchObject({
      price_source: 'client',
      cost_total: '0.010000000000',
      cost_input: '0.002758620690',
      cost_output: '0.006896551724',
      cost_cache_read: '0.000344827586',
      cost_cache_write: '0.000000000000',
      input_price: '0.150000000',
    });
  });

  it('keeps a decimal string exactly and wins over a project price', () => {
    const pricer = createPricer({ projectPrices: [price({})] });
    const cost = pricer.price({ ...MINI, clientCostTotal: '0.000000000001' });
    expect(cost.price_source).toBe('client');
    expect(cost.cost_total).toBe('0.000000000001');
  });

  it('for an unknown model is split over the parts in proportion to the tokens', () => {
    const cost = catalogOnly.price({ ...MINI, model: 'mystery', clientCostTotal: '1.5' });
    // MINI: 1000 input of which 200 cache reads, 500 output: weights 800 / 500 / 200 / 0 of 1500
    expect(MINI.usage).toMatchObject({ input_tokens: 1000, output_tokens: 500, cache_read_tokens: 200, cache_write_tokens: 0 });
    expect(cost).toMatchObject({
      price_source: 'client',
      cost_total: '1.500000000000',
      cost_input: '0.800000000000',
      cost_output: '0.500000000000',
      cost_cache_read: '0.200000000000',
      cost_cache_write: '0.000000000000',
      input_price: '0.000000000',
    });
  });

  it('with no tokens at all puts the whole total in input', () => {
    const usage = { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0 };
    const cost = catalogOnly.price({ ...MINI, model: 'mystery', usage: { ...MINI.usage, ...usage }, clientCostTotal: '0.25' });
    expect(cost).toMatchObject({ cost_total: '0.250000000000', cost_input: '0.250000000000', cost_output: '0.000000000000' });
  });

  it('always has parts that add up to the total exactly (calls stores only the parts)', () => {
    const models = ['gpt-4o-mini', 'mystery', 'claude-3-5-sonnet-20241022'];
    for (let i = 0; i < 300; i++) {
      const input = (i * 7919) % 200_000;
      const cacheRead = Math.floor(input * ((i % 5) / 10));
      const usage = { ...MINI.usage, input_tokens: input, output_tokens: (i * 104_729) % 9_000, cache_read_tokens: cacheRead, cache_write_tokens: i % 3 === 0 ? Math.floor(input / 7) : 0 };
      const clientCostTotal = i % 2 === 0 ? undefined : `${(i * 0.0137).toFixed(9)}`;
      const cost = catalogOnly.price({ ...MINI, model: models[i % models.length]!, usage, ...(clientCostTotal ? { clientCostTotal } : {}) });
      const parts = [cost.cost_input, cost.cost_output, cost.cost_cache_read, cost.cost_cache_write].reduce((sum, part) => sum.plus(part), new Dec(0));
      expect(parts.toFixed(12)).toBe(new Dec(cost.cost_total).toFixed(12));
    }
  });
});
