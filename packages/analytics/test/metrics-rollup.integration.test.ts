import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { command, queryRows, type ClickHouse } from '@margin/clickhouse';
import type { CallRow } from '@margin/core';
import { buildMetricsSql, canServe, getMetrics, METRIC_NAMES, planMetrics, planQuery, ROLLUP_SOURCES, type MetricName, type MetricsSource } from '../src/metrics/index.ts';
import { FILTER_NAMES, GROUP_BYS, groupExpression, type Filters, type GroupBy } from '../src/sql/index.ts';
import { at, call, freshClickHouse, insertCalls } from './metrics-fixtures.ts';

// Not calls: the loader's DELETE of an older copy in another hour is a mutation that needs merges.
const TABLES = ['calls_hourly', 'calls_daily_users', 'calls_daily_sessions', 'calls_hourly_tags', 'calls_hourly_traces', 'calls_daily_latency'];

// Seeded, so a failure reproduces.
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = random(7);
const pick = <T,>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;
const int = (max: number): number => Math.floor(rnd() * max);
const usd = (): string => `${int(3)}.${String(int(1e12)).padStart(12, '0')}`;

const MODELS = [['openai', 'gpt-4o-mini'], ['openai', 'gpt-4o'], ['anthropic', 'claude-3-5-sonnet']] as const;
const NAMES = ['chat', 'summarize', 'screening.rubric'];
const USERS = ['', 'u1', 'u2', 'u3', 'u4', 'u5', 'u6'];
const SESSIONS = ['', 's1', 's2', 's3', 's4', 's5', 's6', 's7'];
// '' : a trace of its own (the call's id); the others hold several calls, across hours and days
const TRACES = ['', '', '', 't1', 't2', 't3', 't4', 't5', 't6', 't7', 't8', 't9', 't10', 't11', 't12'];

function randomValues(): Partial<CallRow> {
  const [provider, model] = pick(MODELS);
  const input = int(5000);
  return {
    timestamp: at(1, 0) + int(3 * 24 * 60) * 60_000 + int(60_000),
    provider, model, name: pick(NAMES), environment: pick(['production', 'staging']),
    user_id: pick(USERS), session_id: pick(SESSIONS), trace_id: pick(TRACES), tags: pick([[], ['a'], ['a', 'b']]),
    status: rnd() < 0.2 ? 'error' : 'ok', attempt: rnd() < 0.1 ? 2 : 1, batch: rnd() < 0.2,
    duration_ms: pick([int(5000), 100 * int(8)]), input_tokens: input, output_tokens: int(800), cache_read_tokens: int(input + 1),
    reasoning_tokens: int(100), user_input_tokens: rnd() < 0.5 ? null : int(input + 1),
    cost_total: usd(), input_price: pick(['0.15', '2.5', '3']), cache_read_price: pick(['0.075', '1.25', '0.3']),
  };
}

describe('rollups and raw calls give identical answers, with resent and changed ids', () => {
  let ch: ClickHouse;
  const ctx = () => ({ ch, projectId: 'p1' });
  beforeAll(async () => {
    ch = await freshClickHouse('metrics-rollup');
    // Unmerged parts are the hard case (copies of an id, +1 and -1 rows side by side): keep them.
    for (const table of TABLES) await command(ch, `SYSTEM STOP MERGES ${table}`, { tag: 'test' });
    const first = Array.from({ length: 400 }, (_, i) => call({ id: `id-${i}`, ...randomValues() }));
    await insertCalls(ch, [...first, call({ id: 'other', project_id: 'p2', ...randomValues() })]);
    const second = [
      ...first.slice(0, 40), // the same copies again: a replay
      ...first.slice(40, 80).map((c) => call({ ...c, version: 0, ...randomValues(), id: c.id })), // changed, often another hour or day
      ...first.slice(80, 100).map((c) => call({ ...c, version: 0, cost_total: usd(), timestamp: c.timestamp + 3_600_000, id: c.id })), // the next hour
      ...first.slice(100, 120).map((c) => call({ ...c, version: 0, id: c.id })), // newer copy, same values
      ...first.slice(120, 130).map((c) => ({ ...c, version: c.version - 1, cost_total: '99' })), // older copy: ignored
    ].map((c) => (c.version === 0 ? { ...c, version: Date.now() + int(1000) } : c));
    await insertCalls(ch, second);
    // a third copy of some, and two copies of one id inside one batch
    await insertCalls(ch, [
      ...second.slice(40, 60).map((c) => call({ ...c, ...randomValues(), id: c.id, version: c.version + 10_000 })),
      call({ id: 'id-300', ...randomValues(), version: Date.now() + 50_000 }),
      call({ id: 'id-300', ...randomValues(), version: Date.now() + 60_000 }),
    ]);
  });
  afterAll(async () => {
    await ch.close();
  });

  const ranges = [
    { label: 'whole days', from: at(1, 0), to: at(4, 0) },
    { label: 'whole hours', from: at(1, 5), to: at(2, 17) },
  ];

  for (const source of ROLLUP_SOURCES) {
    for (const range of ranges) {
      // the metrics this source serves and no source tried before it does (it is their plan)
      const served = (group?: GroupBy, filters: Filters = {}) =>
        METRIC_NAMES.filter((metric) => {
          const input = { range: { fromMs: range.from, toMs: range.to }, metrics: [metric], group_by: group, filters };
          return canServe(source, input) && planMetrics(input).id === source.id;
        });
      const groups = [undefined, ...GROUP_BYS.filter((group) => groupExpression(group, source) !== undefined)];
      const filterSets: Filters[] = [{}, ...FILTER_NAMES.filter((name) => source.dimensions[name]).map((name) => ({ [name]: sampleValue(name) }))];
      for (const group of groups) {
        for (const filters of filterSets) {
          if (served(group, filters).length === 0) continue; // e.g. daily rollups and an hour-aligned range: raw by rule
          it(`${source.id}, ${range.label}, by ${group ?? 'nothing'}, filters ${JSON.stringify(filters)}`, async () => {
            const metrics = served(group, filters);
            const query = { ...range, metrics, group_by: group, filters };
            expect(buildMetricsSql(ctx(), query).source).toBe(source.id);
            const fromRollup = await getMetrics(ctx(), query);
            const fromRaw = await getMetrics(ctx(), query, { source: 'raw' });
            expect(fromRollup.data.length).toBeGreaterThan(0);
            expect(fromRollup).toEqual(fromRaw);
          });
        }
      }
    }
  }

  // ragged bounds: calls_hourly serves the whole hours inside, raw calls the edges
  const ragged = [
    { label: 'ragged both ends', from: at(1, 5, 17) + 1, to: at(2, 17, 42) },
    { label: 'ragged start', from: at(1, 0, 1), to: at(3, 0) },
    { label: 'ragged end', from: at(2, 0), to: at(3, 23, 59) + 59_999 },
  ];
  const hourlyMetrics = METRIC_NAMES.filter((metric) => canServe(ROLLUP_SOURCES[0]!, { range: { fromMs: at(1, 0), toMs: at(2, 0) }, metrics: [metric], filters: {} }));
  for (const range of ragged) {
    for (const group of [undefined, ...GROUP_BYS.filter((g) => groupExpression(g, ROLLUP_SOURCES[0]!) !== undefined)]) {
      for (const filters of [{}, { model: 'gpt-4o' }, { name: 'chat', environment: 'staging' }] as Filters[]) {
        it(`hourly+raw, ${range.label}, by ${group ?? 'nothing'}, filters ${JSON.stringify(filters)}`, async () => {
          const query = { from: range.from, to: range.to, metrics: hourlyMetrics, group_by: group, filters };
          expect(buildMetricsSql(ctx(), query).source).toBe('hourly+raw');
          const mixed = await getMetrics(ctx(), query);
          expect(mixed.data.length).toBeGreaterThan(0);
          expect(mixed).toEqual(await getMetrics(ctx(), query, { source: 'raw' }));
        });
      }
    }
  }

  // sums from a daily rollup read it unmerged (no collapse): groups whose calls all moved away are skipped
  for (const [group, source] of [['user_id', 'daily_users'], ['session_id', 'daily_sessions']] as const) {
    it(`${source} sums by ${group}, top 3 by spend, without collapsing`, async () => {
      const query = { from: at(1, 0), to: at(4, 0), metrics: ['spend', 'requests', 'cost_per_request', 'spend_share'] as MetricName[], group_by: group };
      expect(buildMetricsSql(ctx(), query).source).toBe(source);
      expect(await getMetrics(ctx(), query)).toEqual(await getMetrics(ctx(), query, { source: 'raw' }));
      const top = { ...query, order_by: 'spend' as const, limit: 3 };
      expect(await getMetrics(ctx(), top)).toEqual(await getMetrics(ctx(), top, { source: 'raw' }));
    });
  }

  // no single source answers these: each set of metrics reads its own best source, merged by group
  const mixes: [string, Parameters<typeof getMetrics>[1], string[]][] = [
    ['overview', { from: at(1, 0), to: at(4, 0), metrics: ['spend', 'users', 'cost_per_user', 'cache_savings', 'context_overhead', 'sessions'] }, ['daily_users', 'hourly', 'daily_sessions']],
    ['by day, top 2 by spend', { from: at(1, 0), to: at(4, 0), metrics: ['users', 'cache_savings', 'latency_p95', 'traces'], group_by: 'day', order_by: 'spend', limit: 2 }, ['daily_users', 'hourly', 'daily_latency', 'hourly_traces']],
    ['ragged, by model', { from: at(1, 3, 30), to: at(3, 7, 30), metrics: ['spend', 'error_rate', 'latency_p50', 'users'], group_by: 'model' }, ['hourly+raw', 'raw']],
    ['by model, top 1 by latency', { from: at(1, 0), to: at(4, 0), metrics: ['requests', 'spend_share'], group_by: 'model', order_by: 'latency_p99', limit: 1 }, ['hourly', 'raw']],
    ['traces, cost and size of a task', { from: at(1, 0), to: at(4, 0), metrics: ['traces', 'cost_per_trace', 'tokens_per_trace', 'requests_per_trace'] }, ['hourly_traces', 'hourly']],
    ['traces by hour, whole hours', { from: at(1, 5), to: at(2, 17), metrics: ['traces', 'cost_per_trace', 'requests_per_trace'], group_by: 'hour' }, ['hourly_traces', 'hourly']],
    ['traces by model: raw traces beside hourly sums', { from: at(1, 0), to: at(4, 0), metrics: ['traces', 'cost_per_trace'], group_by: 'model' }, ['raw', 'hourly']],
    ['traces and latency under a tag filter: raw, traces apart', { from: at(1, 0), to: at(4, 0), metrics: ['traces', 'latency_p95', 'spend'], filters: { tag: 'b' } }, ['raw', 'raw']],
    ['spend and latency by tag', { from: at(1, 0), to: at(4, 0), metrics: ['spend', 'requests', 'spend_share', 'latency_p99'], group_by: 'tag' }, ['raw', 'hourly_tags']],
    ['every metric at once', { from: at(1, 0), to: at(4, 0), metrics: METRIC_NAMES }, ['daily_users', 'daily_sessions', 'hourly_traces', 'daily_latency', 'hourly']],
    ['every metric by day', { from: at(1, 0), to: at(4, 0), metrics: METRIC_NAMES, group_by: 'day' }, ['daily_users', 'daily_sessions', 'hourly_traces', 'daily_latency', 'hourly']],
    ['every metric, ragged', { from: at(1, 0, 1), to: at(3, 23, 59), metrics: METRIC_NAMES }, ['raw', 'raw', 'hourly+raw']],
  ];
  for (const [label, query, sources] of mixes) {
    it(`splits a query no single source answers: ${label}`, async () => {
      expect(planQuery(query).groupParts.map((part) => part.plan.id).sort()).toEqual([...sources].sort());
      const split = await getMetrics(ctx(), query);
      expect(split.data.length).toBeGreaterThan(0);
      expect(split).toEqual(await getMetrics(ctx(), query, { source: 'raw' }));
    });
  }

  it('holds -1 corrections in the rollups, so the comparisons above test them', async () => {
    for (const table of TABLES) {
      const [row] = await queryRows<{ negative: string }>(ch, `SELECT countIf(requests < 0) AS negative FROM ${table}`, { tag: 'test' });
      expect(Number(row!.negative), table).toBeGreaterThan(0);
    }
  });

  it('gives the same answers again once every table is merged', async () => {
    const query = { from: at(1, 0), to: at(4, 0), metrics: ['requests', 'spend', 'cost_per_request', 'cache_savings', 'error_rate'] as const, group_by: 'model' as const };
    const before = await getMetrics(ctx(), { ...query, metrics: [...query.metrics] });
    for (const table of ['calls', ...TABLES]) {
      if (table !== 'calls') await command(ch, `SYSTEM START MERGES ${table}`, { tag: 'test' });
      await command(ch, `OPTIMIZE TABLE ${table} FINAL`, { tag: 'test' });
    }
    const [hourly] = await queryRows<{ negative: string }>(ch, 'SELECT countIf(requests < 0) AS negative FROM calls_hourly', { tag: 'test' });
    expect(Number(hourly!.negative)).toBe(0);
    const after = await getMetrics(ctx(), { ...query, metrics: [...query.metrics] });
    const raw = await getMetrics(ctx(), { ...query, metrics: [...query.metrics] }, { source: 'raw' });
    expect(after).toEqual(before);
    expect(after).toEqual(raw);
  });

  it('serves the rollup-served metrics from calls_hourly, the distinct counts from the daily rollups', () => {
    const range = { fromMs: at(1, 0), toMs: at(4, 0) };
    const by = (id: string) => METRIC_NAMES.filter((m) => canServe(ROLLUP_SOURCES.find((s: MetricsSource) => s.id === id)!, { range, metrics: [m], filters: {} }));
    expect(by('hourly')).toEqual(expect.arrayContaining(['requests', 'spend', 'cache_savings', 'context_overhead', 'error_rate', 'batch_share', 'spend_share']));
    expect(by('daily_users')).toEqual(expect.arrayContaining(['users', 'cost_per_user', 'spend', 'requests']));
    expect(by('daily_sessions')).toEqual(expect.arrayContaining(['sessions', 'cost_per_session']));
  });
});

function sampleValue(name: string): string {
  return ({ model: 'gpt-4o', name: 'chat', user_id: 'u2', environment: 'staging', session_id: 's3' } as Record<string, string>)[name] ?? '';
}
