// The analyses report some metrics (context overhead, cache hit rate and savings, cost per user,
// wasted spend, spend): they must be the metrics' own numbers, not a second definition.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouse } from '@margin/clickhouse';
import { cacheAnalysis } from '../src/analyses/cache.ts';
import { Dec } from '../src/analyses/money.ts';
import { modelMix } from '../src/analyses/model-mix.ts';
import { promptAnatomy } from '../src/analyses/prompt-anatomy.ts';
import { unitEconomics } from '../src/analyses/unit-economics.ts';
import { waste } from '../src/analyses/waste.ts';
import { getMetrics } from '../src/metrics/index.ts';
import { at, call, insert, openStore } from './analyses-helpers.ts';

describe('analyses and metrics agree', () => {
  let ch: ClickHouse;
  const project = 'p-agree';
  const range = { from: '2026-03-01T00:00:00Z', to: '2026-04-01T00:00:00Z' };
  beforeAll(async () => {
    ch = await openStore();
    // 200 calls with every part varying, resent ids among them (only the newest copy counts)
    const rows = Array.from({ length: 200 }, (_, i) =>
      call(project, {
        id: `c${i % 180}`,
        version: i,
        timestamp: at('2026-03-01T00:00:00Z') + (i % 180) * 3_600_000 * 3,
        name: ['rubric', 'chat', 'summary'][i % 3]!,
        model: ['gpt-4o', 'gpt-4o-mini'][i % 2]!,
        user_id: i % 7 === 0 ? '' : `u${i % 11}`,
        status: i % 13 === 0 ? 'error' : 'ok',
        input_tokens: 1000 + i * 7,
        output_tokens: 100 + i,
        cache_read_tokens: (i * 37) % 900,
        system_tokens: 300,
        user_input_tokens: i % 4 === 0 ? null : 50 + i,
        input_price: i % 2 ? '0.15' : '2.5',
        cache_read_price: i % 2 ? '0.075' : '1.25',
        cost_total: new Dec(1000 + i * 7).times(i % 2 ? '0.15' : '2.5').div(1e6).toFixed(12),
      }),
    );
    await insert(ch, 'calls', rows.slice(0, 100));
    await insert(ch, 'calls', rows.slice(100));
  });
  afterAll(async () => ch.close());

  it('gives the same numbers as getMetrics over raw calls', async () => {
    const ctx = { ch, projectId: project };
    const metrics = async (names: Parameters<typeof getMetrics>[1]['metrics'], group_by?: 'name') =>
      (await getMetrics(ctx, { from: Date.parse(range.from), to: Date.parse(range.to), metrics: names, group_by }, { source: 'raw' })).data;

    const [totals] = await metrics(['spend', 'cache_hit_rate', 'cache_savings', 'cost_per_user', 'wasted_spend', 'context_overhead']);
    const byName = await metrics(['context_overhead', 'input_tokens'], 'name');
    const cache = await cacheAnalysis(ctx, range);
    const units = await unitEconomics(ctx, range);
    const wasted = await waste(ctx, range);
    const mix = await modelMix(ctx, range);
    const anatomy = await promptAnatomy(ctx, { ...range, group_by: 'name' });
    const all = await promptAnatomy(ctx, range);

    expect(cache.cache_hit_rate).toBe(totals!.cache_hit_rate);
    expect(cache.cache_savings).toBe(Number(totals!.cache_savings));
    expect(units.cost_per_user).toBe(Number(totals!.cost_per_user));
    expect(wasted.failed_spend).toBe(Number(totals!.wasted_spend));
    expect(mix.spend).toBe(Number(totals!.spend));
    expect(all.groups[0]!.context_overhead).toBe(totals!.context_overhead);
    for (const row of byName) {
      const group = anatomy.groups.find((g) => g.name === row.name)!;
      expect(group.context_overhead).toBe(row.context_overhead);
      expect(group.input_tokens).toBe(row.input_tokens);
    }
    expect(anatomy.groups).toHaveLength(3);
  });
});
