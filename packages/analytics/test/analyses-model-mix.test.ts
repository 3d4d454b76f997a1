import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouse } from '@margin/clickhouse';
import { modelMix } from '../src/analyses/model-mix.ts';
import { at, call, insert, openStore } from './analyses-helpers.ts';

describe('model mix analysis', () => {
  let ch: ClickHouse;
  const project = 'p-mix';
  const range = { from: '2026-03-01T00:00:00Z', to: '2026-04-01T00:00:00Z' };
  const t = at('2026-03-05T08:00:00Z');
  const priced = (model: string, input: string, output: string) => ({ model, input_price: input, output_price: output, price_source: 'catalog' as const });
  beforeAll(async () => {
    ch = await openStore();
    await insert(ch, 'calls', [
      // gpt-4o-mini 0.15/0.60: 3 calls of 1000 in + 500 out = 0.00045 each
      ...Array.from({ length: 3 }, () => call(project, { timestamp: t, ...priced('gpt-4o-mini', '0.15', '0.6'), input_tokens: 1000, output_tokens: 500, cost_total: '0.00045' })),
      // claude-sonnet 3/15: 1000 in + 100 out = 0.0045
      call(project, { timestamp: t, ...priced('claude-sonnet', '3', '15'), input_tokens: 1000, output_tokens: 100, cost_total: '0.0045' }),
      // claude-opus 15/75: 0.0225, and a batch call at half price that must not lower its list price
      call(project, { timestamp: t, ...priced('claude-opus', '15', '75'), input_tokens: 1000, output_tokens: 100, cost_total: '0.0225' }),
      call(project, { timestamp: t, ...priced('claude-opus', '7.5', '37.5'), batch: true, input_tokens: 1000, output_tokens: 100, cost_total: '0.01125' }),
      // unpriced and client-priced models
      call(project, { timestamp: t, model: 'mystery', price_source: 'unknown', input_tokens: 100, cost_total: '0' }),
      call(project, { timestamp: t, model: 'custom-model', price_source: 'client', input_tokens: 1000, cost_total: '0.002' }),
      call(project, { timestamp: at('2026-04-02T00:00:00Z'), ...priced('claude-opus', '15', '75'), input_tokens: 1, cost_total: '100' }),
    ]);
  });
  afterAll(async () => ch.close());

  it('answers requests, spend, shares, tier and blended price per model, by spend', async () => {
    const data = await modelMix({ ch, projectId: project }, range);
    expect(data.requests).toBe(8);
    expect(data.spend).toBe(0.0416);
    expect(data.usd_per_million_tokens).toBe(4.674157303); // 0.0416 / 8900 tokens × 10^6
    expect(data.models.map((m) => [m.model, m.requests, m.spend, m.tier, m.list_price_blended, m.usd_per_million_tokens])).toEqual([
      ['claude-opus', 2, 0.03375, 'premium', 30, 15.340909091],
      ['claude-sonnet', 1, 0.0045, 'mid', 6, 4.090909091],
      ['custom-model', 1, 0.002, 'mid', null, 2], // observed 2.00/1M: not below the small threshold
      ['gpt-4o-mini', 3, 0.00135, 'small', 0.2625, 0.3],
      ['mystery', 1, 0, null, null, 0],
    ]);
    const opus = data.models[0]!;
    expect(opus.request_share).toBe(0.25);
    expect(opus.spend_share).toBeCloseTo(0.03375 / 0.0416, 14);
    expect(data.models.reduce((s, m) => s + (m.request_share ?? 0), 0)).toBeCloseTo(1, 14);
  });
});
