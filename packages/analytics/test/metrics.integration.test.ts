import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouse } from '@margin/clickhouse';
import { getMetrics, METRIC_NAMES, buildMetricsSql } from '../src/metrics/index.ts';
import { firstCopies, finalCopies, RANGE } from './metrics-fixture-data.ts';
import { freshClickHouse, insertCalls } from './metrics-fixtures.ts';

// Hand-computed from metrics-fixture-data.ts: c1..c4 in project p1 on 2026-01-01 (c1 resent with new
// values in another hour, the final batch loaded twice), c5 in p2 and c6 at `to` are outside.
const EXPECTED = {
  requests: 4,
  spend: '0.300000001',
  input_tokens: 6000,
  output_tokens: 1000,
  total_tokens: 7000,
  cost_per_request: '0.075', // 0.300000001 / 4 = 0.07500000025
  users: 2, // u1, u2 (c1's first copy had u9)
  cost_per_user: '0.150000001', // (0.1 + 0.2 + 0.000000001) / 2 = 0.1500000005, half away from zero
  sessions: 2, // s1, s2
  cost_per_session: '0.15', // (0.1 + 0.2 + 0) / 2
  tokens_per_request: 1750,
  output_share: 1000 / 7000,
  context_overhead: (900 + 2500) / (1200 + 3300), // c1 and c3 report user_input_tokens
  cache_hit_rate: 1400 / 6000,
  cache_savings: '0.00273', // 400 × (0.15 − 0.075) / 1e6 + 1000 × (3 − 0.3) / 1e6
  spend_share: 1,
  request_share: 1,
  error_rate: 0.5,
  wasted_spend: '0.2',
  latency_p50: 250, // 100, 200, 300, 400 interpolated
  latency_p95: 385,
  latency_p99: 397,
  traces: 3, // t1 (c1, c2), c3 (no trace_id: its own), t2
  cost_per_trace: '0.1', // 0.300000001 / 3
  tokens_per_trace: 7000 / 3,
  requests_per_trace: 4 / 3,
  reasoning_share: 250 / 1000,
  batch_share: 0.000000001 / 0.300000001,
};

describe('every metric over hand-computed calls', () => {
  let ch: ClickHouse;
  const ctx = () => ({ ch, projectId: 'p1' });
  beforeAll(async () => {
    ch = await freshClickHouse('metrics');
    await insertCalls(ch, firstCopies());
    const final = finalCopies();
    await insertCalls(ch, final);
    await insertCalls(ch, final); // a replay of the same copies adds nothing
  });
  afterAll(async () => {
    await ch.close();
  });

  it('covers every metric of the contract', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual([...METRIC_NAMES].sort());
  });

  for (const source of ['raw', 'auto'] as const) {
    it(`answers each metric exactly (${source})`, async () => {
      const { data } = await getMetrics(ctx(), { ...RANGE, metrics: METRIC_NAMES }, { source });
      expect(data).toHaveLength(1);
      const row = data[0]!;
      for (const [name, expected] of Object.entries(EXPECTED)) {
        if (typeof expected === 'string') expect(row[name], name).toBe(expected);
        else expect(row[name] as number, name).toBeCloseTo(expected, 9);
      }
    });
  }

  it('gives null on every zero denominator and zeros for sums over an empty range', async () => {
    const { data } = await getMetrics(ctx(), { from: Date.UTC(2025, 0, 1), to: Date.UTC(2025, 0, 2), metrics: METRIC_NAMES }, { source: 'raw' });
    const row = data[0]!;
    for (const name of ['requests', 'input_tokens', 'output_tokens', 'total_tokens', 'users', 'sessions', 'traces']) expect(row[name], name).toBe(0);
    for (const name of ['spend', 'wasted_spend', 'cache_savings']) expect(row[name], name).toBe('0');
    const nulls = METRIC_NAMES.filter((name) => !(name in { requests: 1, input_tokens: 1, output_tokens: 1, total_tokens: 1, users: 1, sessions: 1, traces: 1, spend: 1, wasted_spend: 1, cache_savings: 1 }));
    for (const name of nulls) expect(row[name], name).toBeNull();
  });

  it('gives null for context_overhead where no call reports its anatomy, and for ratios of zero tokens', async () => {
    const { data } = await getMetrics(ctx(), { ...RANGE, metrics: ['context_overhead', 'cache_hit_rate', 'reasoning_share', 'output_share'], group_by: 'model' });
    const byModel = Object.fromEntries(data.map((row) => [row.model, row]));
    expect(byModel['gpt-4o']!.context_overhead).toBeNull(); // c2 has no user_input_tokens
    expect(byModel['gpt-4o']!.reasoning_share).toBeCloseTo(100 / 500, 12);
    expect(byModel['gpt-4o-mini']!.context_overhead).toBeCloseTo(900 / 1200, 12); // c1; c4 reports none
    expect(byModel['claude-3-5-sonnet']!.cache_hit_rate).toBeCloseTo(1000 / 3000, 12);
    const { data: empty } = await getMetrics(ctx(), { ...RANGE, metrics: ['output_share', 'cache_hit_rate', 'cost_per_user'], filters: { name: 'summarize', model: 'gpt-4o-mini' } });
    expect(empty).toEqual([{ output_share: null, cache_hit_rate: null, cost_per_user: null }]); // c4: no tokens, no user
  });

  it('reads rollups for aligned ranges, whole hours + raw edges for ragged ones, raw for what no rollup answers', () => {
    const plan = (query: Parameters<typeof buildMetricsSql>[1]) => buildMetricsSql(ctx(), query).source;
    expect(plan({ ...RANGE, metrics: ['spend', 'requests', 'cache_savings', 'context_overhead'], group_by: 'model' })).toBe('hourly');
    expect(plan({ ...RANGE, metrics: ['users', 'cost_per_user'], group_by: 'day' })).toBe('daily_users');
    expect(plan({ ...RANGE, metrics: ['sessions', 'cost_per_session'] })).toBe('daily_sessions');
    expect(plan({ ...RANGE, metrics: ['spend'], group_by: 'user_id' })).toBe('daily_users');
    expect(plan({ ...RANGE, metrics: ['latency_p95'] })).toBe('daily_latency');
    expect(plan({ ...RANGE, metrics: ['latency_p95'], group_by: 'model' })).toBe('raw');
    expect(plan({ ...RANGE, metrics: ['traces'] })).toBe('hourly_traces');
    expect(plan({ ...RANGE, metrics: ['traces', 'cost_per_trace'] })).toBe('hourly_traces,hourly');
    expect(plan({ ...RANGE, metrics: ['traces'], filters: { model: 'gpt-4o' } })).toBe('raw');
    expect(plan({ ...RANGE, metrics: ['spend'], group_by: 'tag' })).toBe('hourly_tags');
    expect(plan({ ...RANGE, metrics: ['spend'], filters: { tag: 'a' } })).toBe('raw');
    expect(plan({ ...RANGE, metrics: ['users'], group_by: 'model' })).toBe('raw');
    expect(plan({ from: RANGE.from + 60_000, to: RANGE.to, metrics: ['spend'] })).toBe('hourly+raw');
    expect(plan({ from: RANGE.from + 60_000, to: RANGE.from + 120_000, metrics: ['spend'] })).toBe('raw'); // no whole hour inside
    expect(plan({ from: RANGE.from + 60_000, to: RANGE.to, metrics: ['spend', 'latency_p50'] })).toBe('raw,hourly+raw');
    expect(plan({ from: RANGE.from + 3_600_000, to: RANGE.to, metrics: ['users'] })).toBe('raw');
    expect(plan({ from: RANGE.from + 3_600_000, to: RANGE.to, metrics: ['spend'] })).toBe('hourly');
  });
});
