import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { command, queryRows, readMigrations, type ClickHouse } from '@margin/clickhouse';
import { buildMetricsSql, getMetrics } from '../src/metrics/index.ts';
import { countsTraces } from '../src/metrics/get-metrics.ts';
import { countTraces, rangeHoldsAllCalls } from '../src/metrics/trace-count.ts';
import { HOUR_MS } from '../src/sql/index.ts';
import { at, call, freshClickHouse, insertCalls } from './metrics-fixtures.ts';
import { int, loadResentAndChanged, randomValues } from './metrics-rollup-data.ts';

// countTraces against raw calls' uniqExact of the trace key, over ranges that cut traces at their
// bounds, while calls_trace_steps holds one part (merged) and several (merges held off, so that traces
// have rows in more than one part, some summing to no live call at all).
const RANGES: [string, number, number][] = [
  ['everything', at(1, 0), at(5, 0)],
  ['one day', at(2, 0), at(3, 0)],
  ['one hour', at(2, 13), at(2, 14)],
  ['a day and a half', at(1, 12), at(3, 0)],
  ['from the middle', at(2, 7), at(6, 0)],
  ['before any call', at(0, 0), at(1, 0)],
  ['two months', at(1, 0), at(61, 0)],
  ['two months from the middle', at(2, 7), at(62, 0)],
];

describe('countTraces', () => {
  let ch: ClickHouse;
  const ctx = () => ({ ch, projectId: 'p1' });
  const raw = async (from: number, to: number) => (await getMetrics(ctx(), { from, to, metrics: ['traces'] }, { source: 'raw' })).data[0]!.traces;
  const parts = async () =>
    Number((await queryRows<{ n: string }>(ch, "SELECT count() AS n FROM system.parts WHERE table = 'calls_trace_steps' AND active", { tag: 'test' }))[0]!.n);

  async function expectExact(label: string) {
    for (const [name, from, to] of RANGES) {
      const expected = await raw(from, to);
      expect(await countTraces(ctx(), { fromMs: from, toMs: to }), `${label}: ${name}`).toBe(expected);
      // and getMetrics takes it (every metric beside it from its own source)
      const query = { from, to, metrics: ['traces', 'requests_per_trace', 'cost_per_trace'] as const };
      const auto = await getMetrics(ctx(), { ...query, metrics: [...query.metrics] });
      expect(auto, `${label}: ${name}`).toEqual(await getMetrics(ctx(), { ...query, metrics: [...query.metrics] }, { source: 'raw' }));
    }
  }

  beforeAll(async () => {
    ch = await freshClickHouse('metrics-trace-count');
    await loadResentAndChanged(ch);
  });
  afterAll(async () => {
    await ch.close();
  });

  it('plans the traces part from the count when there is one, and only then', () => {
    const query = { from: at(1, 0), to: at(2, 0), metrics: ['traces' as const, 'spend' as const] };
    expect(buildMetricsSql(ctx(), query, { traceCount: 3 }).source).toBe('trace_count,hourly');
    expect(buildMetricsSql(ctx(), query).source).toBe('hourly_traces,hourly');
    expect(buildMetricsSql(ctx(), { ...query, group_by: 'day' }, { traceCount: 3 }).source).toBe('hourly_traces,hourly');
    // getMetrics counts beforehand for unfiltered ranges of whole hours only, when they hold every call
    const long = { ...query, to: at(61, 0) };
    expect(countsTraces(long)).toBe(true);
    expect(countsTraces(query)).toBe(true);
    expect(countsTraces({ ...long, filters: { model: 'gpt-4o' } })).toBe(false);
    expect(countsTraces({ ...long, from: at(1, 0) + 60_000 })).toBe(false);
    expect(countsTraces(long, { source: 'raw' })).toBe(false);
  });

  it('tells a range that holds every call from one inside the data', async () => {
    expect(await rangeHoldsAllCalls(ctx(), { fromMs: at(1, 0), toMs: at(61, 0) })).toBe(true);
    expect(await rangeHoldsAllCalls(ctx(), { fromMs: at(1, 0), toMs: at(2, 0) })).toBe(false);
    expect(await rangeHoldsAllCalls(ctx(), { fromMs: at(1, 5), toMs: at(61, 0) })).toBe(false);
    expect(await rangeHoldsAllCalls({ ch, projectId: 'nobody' }, { fromMs: at(1, 5), toMs: at(1, 6) })).toBe(true);
  });

  it('counts exactly what raw calls count, merged into one part', async () => {
    await command(ch, 'OPTIMIZE TABLE calls_trace_steps FINAL', { tag: 'test' });
    expect(await parts()).toBe(1);
    await expectExact('merged');
  });

  it('counts exactly with traces spread over several parts', async () => {
    await command(ch, 'SYSTEM STOP MERGES calls_trace_steps', { tag: 'test' });
    // new traces, calls moved into other traces and hours, calls moved out of a trace, and calls
    // without trace_id (traces of their own, keyed by their id)
    const [row] = await queryRows<{ ids: string[] }>(ch, "SELECT groupArray(id) AS ids FROM (SELECT id FROM calls FINAL WHERE project_id = 'p1' ORDER BY id LIMIT 60)", { tag: 'test' });
    const moved = row!.ids.map((id, i) => call({ id, ...randomValues(), trace_id: i % 3 === 0 ? '' : `t${1 + (i % 12)}`, version: Date.now() + 100_000 + i }));
    await insertCalls(ch, moved);
    await insertCalls(ch, Array.from({ length: 30 }, (_, i) => call({ id: `new-${i}`, ...randomValues(), trace_id: i % 2 ? `n${int(5)}` : '' })));
    expect(await parts()).toBeGreaterThan(1);
    await expectExact('unmerged');
    // too many unmerged traces for the limit: no count, and the metrics still agree (hourly_traces)
    expect(await countTraces(ctx(), { fromMs: at(1, 0), toMs: at(5, 0) }, 0)).toBeNull();
    await command(ch, 'SYSTEM START MERGES calls_trace_steps', { tag: 'test' });
  });

  it('agrees with raw calls over every whole-hour range of a day', async () => {
    for (let hour = 0; hour < 24; hour += 5) {
      const from = at(2, hour);
      expect(await countTraces(ctx(), { fromMs: from, toMs: from + 7 * HOUR_MS }), `from ${hour}:00`).toBe(await raw(from, from + 7 * HOUR_MS));
    }
  });

  it('migration 0014 adds the calls without trace_id that were loaded before it', async () => {
    const noTrace = "SELECT id FROM calls WHERE project_id = 'p1' AND trace_id = ''";
    await command(ch, `ALTER TABLE calls_trace_steps DELETE WHERE trace_id IN (${noTrace}) SETTINGS mutations_sync = 2`, { tag: 'test' });
    const everything = { fromMs: at(1, 0), toMs: at(5, 0) };
    expect(await countTraces(ctx(), everything)).toBeLessThan(Number(await raw(everything.fromMs, everything.toMs)));
    const [migration] = readMigrations().filter((m) => m.name === '0014_trace_steps_keys');
    for (const statement of migration!.statements) await command(ch, statement, { tag: 'test' });
    await expectExact('after 0014 again');
  });
});
