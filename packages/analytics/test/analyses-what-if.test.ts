import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouse } from '@margin/clickhouse';
import { createPricer } from '@margin/core';
import { whatIf } from '../src/analyses/what-if.ts';
import { at, call, insert, openStore } from './analyses-helpers.ts';

describe('what-if analysis', () => {
  let ch: ClickHouse;
  const range = { from: '2026-03-01T00:00:00Z', to: '2026-04-01T00:00:00Z' };
  const t = at('2026-03-03T10:00:00Z');
  const gpt4o = { model: 'gpt-4o', input_price: '2.5', output_price: '10', cache_read_price: '1.25', cache_write_price: '2.5' };
  const mini = { model: 'gpt-4o-mini', input_price: '0.15', output_price: '0.6', cache_read_price: '0.075', cache_write_price: '0.15' };
  const sonnet = { model: 'claude-sonnet', input_price: '3', cache_read_price: '0.3', cache_write_price: '3.75' };
  beforeAll(async () => {
    ch = await openStore();
    await insert(ch, 'calls', [
      // route: 800 uncached × 2.5 + 200 read × 1.25 + 100 out × 10 = 3,250 / 10^6
      call('route', { timestamp: t, name: 'a', ...gpt4o, input_tokens: 1000, cache_read_tokens: 200, output_tokens: 100, cost_total: '0.00325' }),
      call('route', { timestamp: t, name: 'b', ...gpt4o, input_tokens: 2000, cost_total: '0.005' }),
      call('route', { timestamp: t, name: 'a', ...mini, input_tokens: 1000, output_tokens: 1000, cost_total: '0.00075' }),
      // batch: b's non-batch call halves; its batch call and a's stay
      call('batch', { timestamp: t, name: 'a', ...gpt4o, input_tokens: 1000, cost_total: '0.0025' }),
      call('batch', { timestamp: t, name: 'b', ...gpt4o, input_tokens: 2000, cost_total: '0.005' }),
      call('batch', { timestamp: t, name: 'b', ...gpt4o, batch: true, input_tokens: 2000, cost_total: '0.0025' }),
      // cache: 3 calls in one hour, 1 in the next, 2,000 input tokens each at 3/1M
      ...[t, t + 1000, t + 2000, t + 3_600_000].map((timestamp) => call('cache', { timestamp, name: 'rubric', ...sonnet, input_tokens: 2000, cost_total: '0.006' })),
      call('cache', { timestamp: t, name: 'other', ...sonnet, input_tokens: 2000, cost_total: '0.006' }),
    ]);
  });
  afterAll(async () => ch.close());

  it('routes a share of a feature to another model at its stored prices, from the same tokens', async () => {
    const data = await whatIf({ ch, projectId: 'route' }, { ...range, scenario: { route: { name: 'a', from_model: 'gpt-4o', to_model: 'gpt-4o-mini', share: 0.5 } } });
    // re-priced: 800 × 0.15 + 200 × 0.075 + 100 × 0.6 = 195 / 10^6; half of (0.000195 − 0.00325)
    expect(data).toEqual({ baseline_spend: 0.009, scenario_spend: 0.0074725, savings: 0.0015275, matching_requests: 1 });
  });

  it('routes every call of a model when no feature is named, and prices with the given pricer', async () => {
    const all = await whatIf({ ch, projectId: 'route' }, { ...range, scenario: { route: { from_model: 'gpt-4o', to_model: 'gpt-4o-mini', share: 1 } } });
    expect(all).toEqual({ baseline_spend: 0.009, scenario_spend: 0.001245, savings: 0.007755, matching_requests: 2 });
    // A project price book that charges gpt-4o-mini 1/1M in and out, cache reads 1/1M too.
    const pricer = createPricer({
      projectPrices: [{ modelName: 'mini', matchPattern: 'gpt-4o-mini', inputPrice: '1', outputPrice: '1', cacheReadPrice: '1', startDate: new Date(0) }],
    });
    const priced = await whatIf({ ch, projectId: 'route', pricer }, { ...range, scenario: { route: { from_model: 'gpt-4o', to_model: 'gpt-4o-mini', share: 1 } } });
    // (1,000 + 100) + 2,000 tokens at 1/1M = 0.0031; 0.00075 + 0.0031
    expect(priced).toEqual({ baseline_spend: 0.009, scenario_spend: 0.00385, savings: 0.00515, matching_requests: 2 });
  });

  it('prices a model the project never used from the default catalog', async () => {
    const data = await whatIf({ ch, projectId: 'route' }, { ...range, scenario: { route: { name: 'b', from_model: 'gpt-4o', to_model: 'gpt-4o-mini-2024-07-18', share: 1 } } });
    // the catalog's gpt-4o-mini: 0.15/1M input → 2,000 × 0.15 = 0.0003 instead of 0.005
    expect(data).toEqual({ baseline_spend: 0.009, scenario_spend: 0.0043, savings: 0.0047, matching_requests: 1 });
  });

  it('moves named features to the batch price', async () => {
    const data = await whatIf({ ch, projectId: 'batch' }, { ...range, scenario: { batch: { names: ['b'] } } });
    expect(data).toEqual({ baseline_spend: 0.01, scenario_spend: 0.0075, savings: 0.0025, matching_requests: 1 });
  });

  it('uses the project batch discount its pricer knows', async () => {
    const pricer = createPricer({
      projectPrices: [{ modelName: '4o', matchPattern: 'gpt-4o', inputPrice: '2.5', outputPrice: '10', batchDiscount: '0.4', startDate: new Date(0) }],
    });
    const data = await whatIf({ ch, projectId: 'batch', pricer }, { ...range, scenario: { batch: { names: ['a', 'b'] } } });
    // (0.0025 + 0.005) × 0.4 off
    expect(data).toEqual({ baseline_spend: 0.01, scenario_spend: 0.007, savings: 0.003, matching_requests: 2 });
  });

  it('reads a prefix from cache after the first call of each hour', async () => {
    const data = await whatIf({ ch, projectId: 'cache' }, { ...range, scenario: { cache: { name: 'rubric', prefix_tokens: 1500 } } });
    // hour 1: 2 × 1,500 × 2.7 − 1,500 × 0.75 written; hour 2: one call writes 1,500 × 0.75 → 5,850 / 10^6
    expect(data).toEqual({ baseline_spend: 0.03, scenario_spend: 0.02415, savings: 0.00585, matching_requests: 4 });
  });
});
