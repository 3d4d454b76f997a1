import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { command, queryRows, type ClickHouse } from '@margin/clickhouse';
import { buildMetricsSql, canServe, getMetrics, METRIC_NAMES, planMetrics, planQuery, ROLLUP_SOURCES, type MetricName, type MetricsSource } from '../src/metrics/index.ts';
import { FILTER_NAMES, GROUP_BYS, groupExpression, type Filters, type GroupBy } from '../src/sql/index.ts';
import { at, freshClickHouse } from './metrics-fixtures.ts';
import { replayMigrations } from './support/store.ts';
import { loadResentAndChanged, ROLLUP_TABLES } from './metrics-rollup-data.ts';

// Not calls: the loader's DELETE of an older copy in another hour is a mutation that needs merges.
const TABLES = ROLLUP_TABLES;

describe('rollups and raw calls give identical answers, with resent and changed ids', () => {
  let ch: ClickHouse;
  const ctx = () => ({ ch, projectId: 'p1' });
  beforeAll(async () => {
    ch = await freshClickHouse('metrics-rollup');
    // Unmerged parts are the hard case (copies of an id, +1 and -1 rows side by side): keep them.
    for (const table of TABLES) await command(ch, `SYSTEM STOP MERGES ${table}`, { tag: 'test' });
    await loadResentAndChanged(ch);
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

  // ragged bounds over the other rollups: their whole hours or days inside, raw calls the edges; a
  // distinct count or percentiles are taken over the union of the parts' rows
  const raggedDays = [
    { label: 'ragged both ends', from: at(1, 5, 17) + 1, to: at(3, 17, 42) },
    ...ragged.filter((range) => range.label !== 'ragged both ends'),
  ];
  for (const source of ROLLUP_SOURCES.filter((s) => s.id !== 'hourly')) {
    for (const range of raggedDays) {
      const plan = `${source.id}+raw`;
      // the metrics with a part that reads this rollup and raw edges, and no part of raw calls alone
      const served = (group?: GroupBy, filters: Filters = {}) =>
        METRIC_NAMES.filter((metric) => {
          const { groupParts, totalParts } = planQuery({ ...range, metrics: [metric], group_by: group, filters });
          const ids = [...groupParts, ...totalParts].map((part) => part.plan.id);
          return ids.includes(plan) && !ids.includes('raw');
        });
      const groups = [undefined, ...GROUP_BYS.filter((group) => groupExpression(group, source) !== undefined)];
      const filterSets: Filters[] = [{}, ...FILTER_NAMES.filter((name) => source.dimensions[name]).map((name) => ({ [name]: sampleValue(name) }))];
      for (const group of groups) {
        for (const filters of filterSets) {
          if (served(group, filters).length === 0) continue;
          it(`${plan}, ${range.label}, by ${group ?? 'nothing'}, filters ${JSON.stringify(filters)}`, async () => {
            const query = { from: range.from, to: range.to, metrics: served(group, filters), group_by: group, filters };
            expect(buildMetricsSql(ctx(), query).source.split(',')).toContain(plan);
            const mixed = await getMetrics(ctx(), query);
            expect(mixed.data.length).toBeGreaterThan(0);
            expect(mixed).toEqual(await getMetrics(ctx(), query, { source: 'raw' }));
          });
        }
      }
    }
  }
  it('serves every distinct count and percentile of a ragged range from a rollup and raw edges', () => {
    const query = { from: at(1, 5, 17) + 1, to: at(3, 17, 42), metrics: METRIC_NAMES };
    const ids = planQuery(query).groupParts.map((part) => part.plan.id);
    expect(ids).toEqual(expect.arrayContaining(['hourly+raw', 'daily_users+raw', 'daily_sessions+raw', 'hourly_traces+raw', 'daily_latency+raw']));
    expect(ids).not.toContain('raw');
  });

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
    // each distinct count and the percentiles from a rollup's whole days or hours and raw edges; the
    // user and session spend with the other sums from calls_hourly's whole hours (0028)
    ['every metric, ragged', { from: at(1, 0, 1), to: at(3, 23, 59), metrics: METRIC_NAMES }, ['daily_users+raw', 'daily_sessions+raw', 'hourly_traces+raw', 'daily_latency+raw', 'hourly+raw']],
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

  it('migration 0028 adds the user and session spend of the calls loaded before it', async () => {
    const query = { from: at(1, 0), to: at(4, 0), metrics: ['cost_per_user', 'cost_per_session'] as MetricName[], group_by: 'model' as const };
    const raw = await getMetrics(ctx(), query, { source: 'raw' });
    expect(raw.data.some((row) => Number(row.cost_per_user) > 0 && Number(row.cost_per_session) > 0)).toBe(true);
    // a store from before 0028: the columns there but empty
    await command(ch, 'ALTER TABLE calls_hourly UPDATE user_cost = 0, session_cost = 0 WHERE 1 SETTINGS mutations_sync = 2', { tag: 'test' });
    expect(await getMetrics(ctx(), query)).not.toEqual(raw);
    await replayMigrations(ch, '0028_hourly_user_session_spend');
    expect(await getMetrics(ctx(), query)).toEqual(raw);
    const [spend] = await queryRows<{ hourly: string; raw: string }>(
      ch,
      `SELECT (SELECT sum(user_cost) FROM calls_hourly WHERE project_id = 'p1') AS hourly,
              (SELECT sumIf(cost_total, user_id != '') FROM calls FINAL WHERE project_id = 'p1') AS raw`,
      { tag: 'test' },
    );
    expect(Number(spend!.raw)).toBeGreaterThan(0);
    expect(spend!.hourly).toBe(spend!.raw);
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
