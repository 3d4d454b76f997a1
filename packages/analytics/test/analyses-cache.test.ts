import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouse } from '@margin/clickhouse';
import { cacheAnalysis } from '../src/analyses/cache.ts';
import { at, call, insert, openStore } from './analyses-helpers.ts';

describe('cache analysis', () => {
  let ch: ClickHouse;
  const project = 'p-cache';
  const range = { from: '2026-03-01T00:00:00Z', to: '2026-04-01T00:00:00Z' };
  const h1 = at('2026-03-03T10:00:00Z');
  const h2 = at('2026-03-03T11:00:00Z');
  const gpt4o = { model: 'gpt-4o', input_price: '2.5', cache_read_price: '1.25', cache_write_price: '2.5' };
  const sonnet = { model: 'claude-sonnet', input_price: '3', cache_read_price: '0.3', cache_write_price: '3.75' };
  beforeAll(async () => {
    ch = await openStore();
    const rubric = (timestamp: number, cache_read_tokens = 0) =>
      call(project, { timestamp, name: 'rubric', ...gpt4o, input_tokens: 3000, system_tokens: 1500, tool_definition_tokens: 500, user_input_tokens: 1000, cache_read_tokens });
    await insert(ch, 'calls', [
      // rubric: a 2,000-token prefix (system + tools); hour 1 three calls, hour 2 two (the second read 1,000 from cache)
      rubric(h1), rubric(h1 + 1000), rubric(h1 + 2000), rubric(h2), rubric(h2 + 1000, 1000),
      // chat: no anatomy, smallest input 1,100; Anthropic write surcharge 0.75/1M on the hour's first call
      ...[1500, 1200, 1100].map((input_tokens, i) => call(project, { timestamp: h1 + i * 1000, name: 'chat', ...sonnet, input_tokens })),
      // tiny: prefix of 500 tokens, below what providers cache
      ...Array.from({ length: 5 }, (_, i) => call(project, { timestamp: h1 + i, name: 'tiny', ...gpt4o, input_tokens: 600, system_tokens: 500 })),
      // cached: already reads its prefix from cache
      call(project, { timestamp: h1, name: 'cached', ...gpt4o, input_tokens: 2500, system_tokens: 2000 }),
      call(project, { timestamp: h1 + 1000, name: 'cached', ...gpt4o, input_tokens: 2500, system_tokens: 2000, cache_read_tokens: 2000 }),
      // single: one call, nothing repeats
      call(project, { timestamp: h1, name: 'single', ...gpt4o, input_tokens: 2000, system_tokens: 2000 }),
    ]);
  });
  afterAll(async () => ch.close());

  it('reports hit rate and savings as the metrics define them', async () => {
    const data = await cacheAnalysis({ ch, projectId: project }, range);
    expect(data.cache_hit_rate).toBe(3000 / 28800);
    // (1,000 + 2,000 read tokens) × (2.5 − 1.25) / 10^6
    expect(data.cache_savings).toBe(0.00375);
  });

  it('lists features that repeat a large prefix without reading it from cache, largest saving first', async () => {
    const data = await cacheAnalysis({ ch, projectId: project }, range);
    expect(data.opportunities).toEqual([
      // hour 1: 2 later calls × 2,000 × 1.25; hour 2: (2,000 − 1,000 already read) × 1.25 → 6,250 / 10^6
      { name: 'rubric', model: 'gpt-4o', requests: 5, repeated_prefix_tokens: 2000, cache_hit_rate: 1000 / 15000, potential_savings: 0.00625 },
      // 2 later calls × 1,100 × (3 − 0.3) − 1,100 × (3.75 − 3) written by the first → 5,115 / 10^6
      { name: 'chat', model: 'claude-sonnet', requests: 3, repeated_prefix_tokens: 1100, cache_hit_rate: 0, potential_savings: 0.005115 },
    ]);
  });
});
