import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { command, queryRows, type ClickHouse } from '@margin/clickhouse';
import { replayMigrations } from './support/store.ts';
import { buildMetricsSql, getMetrics, type MetricName } from '../src/metrics/index.ts';
import { countableKeys } from '../src/metrics/get-metrics.ts';
import { countKeys, KEY_COUNT_LIMITS, rangeHoldsAllCalls, SESSIONS, TRACES, type KeySpec } from '../src/metrics/key-count.ts';
import { HOUR_MS } from '../src/sql/index.ts';
import { at, call, freshClickHouse, insertCalls } from './metrics-fixtures.ts';
import { int, loadResentAndChanged, randomValues } from './metrics-rollup-data.ts';

// countKeys against raw calls' distinct traces and sessions, over ranges that cut traces and sessions
// at their bounds, while the steps tables hold one part (merged) and several (merges held off, so that
// keys have rows in more than one part, some summing to no live call at all).
const RANGES: [string, number, number][] = [
  ['everything', at(1, 0), at(5, 0)],
  ['one day', at(2, 0), at(3, 0)],
  ['one hour', at(2, 13), at(2, 14)],
  ['a day and a half', at(1, 12), at(3, 0)],
  ['from the middle', at(2, 7), at(6, 0)],
  ['from the second day', at(2, 0), at(6, 0)],
  ['before any call', at(0, 0), at(1, 0)],
  ['two months', at(1, 0), at(61, 0)],
  ['two months from the middle', at(2, 7), at(62, 0)],
  // ragged: counted over the whole hours (days) inside, with the raw calls' keys of the edges
  ['ragged both ends', at(1, 5, 17) + 1, at(2, 17, 42)],
  ['ragged start, to the end', at(1, 0, 1), at(5, 0)],
  ['ragged, all but the last minutes', at(0, 23, 30), at(3, 23, 55)],
  ['ragged, inside one hour', at(2, 13, 10), at(2, 13, 50)],
  ['ragged, across one hour', at(2, 13, 10), at(2, 14, 50)],
];

// Counted however many rows are outside the largest part: the tests' tables are small, so most of
// an unmerged one is outside it, where getMetrics would hash the rollup instead (KEY_COUNT_LIMITS).
const ALWAYS = { maxUnmerged: Infinity, maxUnmergedShare: 1 };

const KEYS: [KeySpec, 'traces' | 'sessions', MetricName[]][] = [
  [TRACES, 'traces', ['traces', 'requests_per_trace', 'cost_per_trace']],
  [SESSIONS, 'sessions', ['sessions', 'cost_per_session', 'traces']],
];

describe('countKeys', () => {
  let ch: ClickHouse;
  const ctx = () => ({ ch, projectId: 'p1' });
  const raw = async (metric: 'traces' | 'sessions', from: number, to: number) =>
    (await getMetrics(ctx(), { from, to, metrics: [metric] }, { source: 'raw' })).data[0]![metric];
  const parts = async (table: string) =>
    Number((await queryRows<{ n: string }>(ch, 'SELECT count() AS n FROM system.parts WHERE table = {t:String} AND active', { tag: 'test', params: { t: table } }))[0]!.n);

  const outsideLargest = async (table: string) =>
    Number((await queryRows<{ share: number }>(ch, 'SELECT 1 - max(rows) / sum(rows) AS share FROM system.parts WHERE table = {t:String} AND active', { tag: 'test', params: { t: table } }))[0]!.share);

  async function expectExact(label: string) {
    for (const [spec, metric, metrics] of KEYS) {
      for (const [name, from, to] of RANGES) {
        const expected = await raw(metric, from, to);
        // either way of counting the keys inside, whichever the hint picks
        for (const startsBeforeData of [false, true]) {
          const count = await countKeys(ctx(), spec, { fromMs: from, toMs: to }, { limits: ALWAYS, startsBeforeData });
          expect(count, `${label}: ${metric}, ${name}, starts before the data: ${startsBeforeData}`).toBe(expected);
        }
        // and getMetrics takes it (every metric beside it from its own source)
        const auto = await getMetrics(ctx(), { from, to, metrics });
        expect(auto, `${label}: ${metric}, ${name}`).toEqual(await getMetrics(ctx(), { from, to, metrics }, { source: 'raw' }));
      }
    }
  }

  beforeAll(async () => {
    ch = await freshClickHouse('metrics-key-count');
    await loadResentAndChanged(ch);
    // A trace and a session with a call before "ragged start, to the end" (00:00-00:01 of day 1, the
    // hour cut by its start) and the other in its whole hours (days): they count once, from the cut
    // keys' look-up, though the range's ragged edge holds none of their calls.
    await insertCalls(ch, [
      call({ id: 'widened-1', trace_id: 'tw', session_id: 'sw', timestamp: at(1, 0) + 30_000 }),
      call({ id: 'widened-2', trace_id: 'tw', session_id: 'sw', timestamp: at(3, 4) }),
      // and one with a call after "ragged, all but the last minutes" (23:55-24:00 of day 3) and the
      // other a day and a half earlier: cut by the whole hours' end, looked up from its hull's first hour
      call({ id: 'widened-3', trace_id: 'tw2', session_id: 'sw2', timestamp: at(3, 23, 57) }),
      call({ id: 'widened-4', trace_id: 'tw2', session_id: 'sw2', timestamp: at(2, 10) }),
    ]);
  });
  afterAll(async () => {
    await ch.close();
  });

  it('plans the distinct parts from the counts when there are some, and only then', () => {
    const query = { from: at(1, 0), to: at(2, 0), metrics: ['traces' as const, 'sessions' as const, 'spend' as const] };
    const sources = (options: Parameters<typeof buildMetricsSql>[2], extra = {}) => buildMetricsSql(ctx(), { ...query, ...extra }, options).source.split(',');
    expect(sources({ counts: { traces: 3, sessions: 2 } })).toEqual(expect.arrayContaining(['trace_count', 'session_count']));
    expect(sources({ counts: { traces: 3 } })).toEqual(expect.arrayContaining(['trace_count', 'daily_sessions']));
    expect(sources({ counts: { traces: 3 } })).not.toContain('session_count');
    expect(sources({})).not.toEqual(expect.arrayContaining(['trace_count']));
    expect(sources({ counts: { traces: 3, sessions: 2 } }, { group_by: 'day' })).not.toEqual(expect.arrayContaining(['trace_count']));
    expect(sources({ counts: { traces: 3, sessions: 2 } }, { group_by: 'day' })).not.toEqual(expect.arrayContaining(['session_count']));
    // counted for unfiltered ranges, ragged ones too (over whole hours or days), not of raw calls
    expect(countableKeys(query)).toEqual(['traces', 'sessions']);
    expect(countableKeys({ ...query, from: at(1, 0) + 60_000 })).toEqual(['traces', 'sessions']);
    expect(countableKeys({ ...query, filters: { model: 'gpt-4o' } })).toEqual([]);
    expect(countableKeys(query, { source: 'raw' })).toEqual([]);
  });

  it('tells a range that holds every call from one inside the data', async () => {
    expect(await rangeHoldsAllCalls(ctx(), { fromMs: at(1, 0), toMs: at(61, 0) })).toBe(true);
    expect(await rangeHoldsAllCalls(ctx(), { fromMs: at(1, 0), toMs: at(2, 0) })).toBe(false);
    expect(await rangeHoldsAllCalls(ctx(), { fromMs: at(1, 5), toMs: at(61, 0) })).toBe(false);
    expect(await rangeHoldsAllCalls({ ch, projectId: 'nobody' }, { fromMs: at(1, 5), toMs: at(1, 6) })).toBe(true);
  });

  it('counts exactly what raw calls count, merged into one part', async () => {
    for (const table of ['calls_trace_steps', 'calls_session_steps']) {
      await command(ch, `OPTIMIZE TABLE ${table} FINAL`, { tag: 'test' });
      expect(await parts(table), table).toBe(1);
    }
    await expectExact('merged');
    // one part: counted with the default limits too
    for (const [spec, metric] of KEYS) expect(await countKeys(ctx(), spec, { fromMs: at(1, 0), toMs: at(5, 0) }), metric).toBe(await raw(metric, at(1, 0), at(5, 0)));
  });

  it('counts exactly with keys spread over several parts', async () => {
    await command(ch, 'SYSTEM STOP MERGES calls_trace_steps', { tag: 'test' });
    await command(ch, 'SYSTEM STOP MERGES calls_session_steps', { tag: 'test' });
    // new traces and sessions, calls moved into other traces, sessions and hours, calls moved out of
    // a trace or a session, and calls without trace_id (traces of their own, keyed by their id)
    const [row] = await queryRows<{ ids: string[] }>(ch, "SELECT groupArray(id) AS ids FROM (SELECT id FROM calls FINAL WHERE project_id = 'p1' ORDER BY id LIMIT 60)", { tag: 'test' });
    const moved = row!.ids.map((id, i) =>
      call({ id, ...randomValues(), trace_id: i % 3 === 0 ? '' : `t${1 + (i % 12)}`, session_id: i % 4 === 0 ? '' : `s${1 + (i % 9)}`, version: Date.now() + 100_000 + i }),
    );
    await insertCalls(ch, moved);
    await insertCalls(ch, Array.from({ length: 30 }, (_, i) => call({ id: `new-${i}`, ...randomValues(), trace_id: i % 2 ? `n${int(5)}` : '', session_id: `ns${int(4)}` })));
    expect(await parts('calls_trace_steps')).toBeGreaterThan(1);
    expect(await parts('calls_session_steps')).toBeGreaterThan(1);
    await expectExact('unmerged');
    // too many unmerged keys for the limit: no count, and the metrics still agree (the rollups)
    for (const limits of [{ maxUnmerged: 0, maxUnmergedShare: 1 }, { maxUnmerged: Infinity, maxUnmergedShare: 0.01 }]) {
      expect(await countKeys(ctx(), TRACES, { fromMs: at(1, 0), toMs: at(5, 0) }, { limits })).toBeNull();
      expect(await countKeys(ctx(), SESSIONS, { fromMs: at(1, 0), toMs: at(5, 0) }, { limits })).toBeNull();
    }
    // the defaults: most of these small tables is outside the largest part now, so no count (a
    // hash count over the rollup is cheaper there); merged, the test above counts with them
    for (const [spec, table] of [[TRACES, 'calls_trace_steps'], [SESSIONS, 'calls_session_steps']] as const) {
      expect(await outsideLargest(table), table).toBeGreaterThan(KEY_COUNT_LIMITS.maxUnmergedShare);
      expect(await countKeys(ctx(), spec, { fromMs: at(1, 0), toMs: at(5, 0) }), table).toBeNull();
    }
    await command(ch, 'SYSTEM START MERGES calls_trace_steps', { tag: 'test' });
    await command(ch, 'SYSTEM START MERGES calls_session_steps', { tag: 'test' });
  });

  it('agrees with raw calls over whole-hour windows of a day (traces) and over single days (sessions)', async () => {
    for (let hour = 0; hour < 24; hour += 5) {
      const from = at(2, hour);
      expect(await countKeys(ctx(), TRACES, { fromMs: from, toMs: from + 7 * HOUR_MS }, { limits: ALWAYS }), `from ${hour}:00`).toBe(await raw('traces', from, from + 7 * HOUR_MS));
    }
    for (let day = 1; day <= 4; day++) {
      expect(await countKeys(ctx(), SESSIONS, { fromMs: at(day, 0), toMs: at(day + 1, 0) }, { limits: ALWAYS }), `day ${day}`).toBe(await raw('sessions', at(day, 0), at(day + 1, 0)));
    }
  });

  it('migrations 0014 and 0015 (then 0024) add the calls loaded before them', async () => {
    // every project's: 0014's guard adds them only when none of them is there
    const noTrace = "SELECT id FROM calls WHERE trace_id = ''";
    await command(ch, `ALTER TABLE calls_trace_steps DELETE WHERE trace_id IN (${noTrace}) SETTINGS mutations_sync = 2`, { tag: 'test' });
    // calls_session_steps as before 0015: no table rows, no view; 0024's column comes after it
    await command(ch, 'DROP VIEW calls_session_steps_mv', { tag: 'test' });
    await command(ch, 'ALTER TABLE calls_session_steps DROP COLUMN cost_total', { tag: 'test' });
    await command(ch, 'TRUNCATE TABLE calls_session_steps', { tag: 'test' });
    const everything = { fromMs: at(1, 0), toMs: at(5, 0) };
    expect(await countKeys(ctx(), TRACES, everything, { limits: ALWAYS })).toBeLessThan(Number(await raw('traces', everything.fromMs, everything.toMs)));
    expect(await countKeys(ctx(), SESSIONS, everything, { limits: ALWAYS })).toBe(0);
    await replayMigrations(ch, '0014_trace_steps_keys', '0015_calls_session_steps', '0024_session_steps_cost');
    await expectExact('after 0014, 0015 and 0024 again');
  });
});
