import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { command, queryRows, readMigrations, type ClickHouse } from '@margin/clickhouse';
import { getMetrics, type MetricName, type MetricsQuery } from '../src/metrics/index.ts';
import { servesSessionTop } from '../src/metrics/session-top.ts';
import { at, call, freshClickHouse, insertCalls } from './metrics-fixtures.ts';
import { int, loadResentAndChanged, randomValues, usd } from './metrics-rollup-data.ts';

// The top sessions from calls_session_steps (session-top.ts) against raw calls, over ranges that hold
// every session, cut sessions at a bound or leave them out, with resent, changed and moved copies,
// ties at the limit (equal spend; spends equal only once rounded to 1e-9), calls without a session,
// unmerged parts, merged parts, and again after migration 0022 added the spend of calls loaded before it.
const RANGES: [string, number, number][] = [
  ['everything', at(1, 0), at(5, 0)],
  ['one day', at(2, 0), at(3, 0)],
  ['from the second day', at(2, 0), at(6, 0)],
  ['the first two days', at(1, 0), at(3, 0)],
];
const ORDERS: [MetricName[], MetricName][] = [
  [['spend', 'requests'], 'spend'],
  [['spend', 'requests'], 'requests'],
  [['cost_per_request'], 'cost_per_request'],
];
const STEP_TABLES = ['calls_session_steps', 'calls_daily_sessions'];

describe('top sessions from calls_session_steps', () => {
  let ch: ClickHouse;
  const ctx = () => ({ ch, projectId: 'p1' });
  const parts = async (table: string) =>
    Number((await queryRows<{ n: string }>(ch, 'SELECT count() AS n FROM system.parts WHERE table = {t:String} AND active', { tag: 'test', params: { t: table } }))[0]!.n);

  async function expectExact(label: string) {
    for (const [name, from, to] of RANGES) {
      for (const [metrics, order_by] of ORDERS) {
        const all = { from, to, metrics, group_by: 'session_id' as const, order_by, limit: 1000 };
        const raw = (await getMetrics(ctx(), all, { source: 'raw' })).data;
        expect(raw.length, `${label}, ${name}`).toBeGreaterThan(3);
        // limits that fall inside the tied sessions, and on either side of them
        const ties = raw.map((row, i) => (/^(tie|round)-/.test(String(row.session_id)) ? i : -1)).filter((i) => i >= 0);
        const limits = [1, 3, 25, ...ties.map((i) => i + 1), raw.length + 5];
        for (const limit of limits) {
          const query: MetricsQuery = { ...all, limit };
          expect(servesSessionTop({ ...query, range: { fromMs: from, toMs: to } })).toBe(true);
          const expected = raw.slice(0, limit);
          expect((await getMetrics(ctx(), query)).data, `${label}, ${name}, by ${order_by}, limit ${limit}`).toEqual(expected);
          expect(expected.length).toBe(Math.min(limit, raw.length));
        }
      }
    }
  }

  beforeAll(async () => {
    ch = await freshClickHouse('metrics-session-top');
    for (const table of STEP_TABLES) await command(ch, `SYSTEM STOP MERGES ${table}`, { tag: 'test' });
    // s1-s7 across all three days, '' (no session), resent, changed and older copies
    await loadResentAndChanged(ch);
    // sessions of one day; sessions across midnight of days 1 and 2 (cut by a bound at day 2)
    await insertCalls(ch, [
      ...Array.from({ length: 60 }, (_, i) =>
        call({ id: `day-${i}`, ...randomValues(), session_id: `d${i % 20}`, timestamp: at(1 + (i % 20) % 3, 3 + int(18), int(60)) }),
      ),
      ...Array.from({ length: 12 }, (_, i) => call({ id: `night-${i}`, ...randomValues(), session_id: `n${i % 4}`, timestamp: at(1, 22) + (i % 3) * 3_600_000 })),
      // equal spends: the order falls back to the session id
      ...['tie-c', 'tie-a', 'tie-b'].map((session, i) =>
        call({ id: `tie-${i}`, ...randomValues(), session_id: session, timestamp: at(2, 9), cost_total: '2.500000000000' }),
      ),
      // equal only once rounded to 1e-9: rounded, 'round-a' goes first although it spends less
      call({ id: 'round-1', ...randomValues(), session_id: 'round-a', timestamp: at(2, 10), cost_total: '2.400000000001' }),
      call({ id: 'round-2', ...randomValues(), session_id: 'round-b', timestamp: at(2, 10), cost_total: '2.400000000004' }),
    ]);
    // calls moved into other sessions and days, and out of their session; a session emptied
    const [row] = await queryRows<{ ids: string[] }>(ch, "SELECT groupArray(id) AS ids FROM (SELECT id FROM calls FINAL WHERE project_id = 'p1' AND id LIKE 'id-%' ORDER BY id LIMIT 40)", { tag: 'test' });
    await insertCalls(ch, [
      ...row!.ids.map((id, i) => call({ id, ...randomValues(), session_id: i % 4 === 0 ? '' : `d${i % 20}`, version: Date.now() + 100_000 + i })),
      ...[0, 20, 40].map((i) => call({ id: `day-${i}`, ...randomValues(), session_id: 'moved', version: Date.now() + 200_000 + i })),
    ]);
  });
  afterAll(async () => {
    await ch.close();
  });

  it('takes only unfiltered top-N lists of sessions over whole days, of requests and spend', () => {
    const query = { range: { fromMs: at(1, 0), toMs: at(3, 0) }, metrics: ['spend'] as MetricName[], group_by: 'session_id' as const, order_by: 'spend' as const, limit: 5 };
    expect(servesSessionTop(query)).toBe(true);
    expect(servesSessionTop(query, 'raw')).toBe(false);
    expect(servesSessionTop({ ...query, limit: undefined })).toBe(false);
    expect(servesSessionTop({ ...query, order_by: undefined })).toBe(false);
    expect(servesSessionTop({ ...query, group_by: 'user_id' })).toBe(false);
    expect(servesSessionTop({ ...query, filters: { model: 'gpt-4o' } })).toBe(false);
    expect(servesSessionTop({ ...query, range: { fromMs: at(1, 5), toMs: at(3, 0) } })).toBe(false);
    expect(servesSessionTop({ ...query, metrics: ['spend', 'error_rate'] })).toBe(false);
    expect(servesSessionTop({ ...query, metrics: ['spend', 'spend_share'] })).toBe(false);
  });

  it('adds up a session cut at one bound over the days its hull reaches, and only those', async () => {
    // p4: 'a' from day 1 into day 2, 'b' from day 3 into day 4, 'c' and 'd' inside [day 2, day 4)
    const p4 = (id: string, session_id: string, timestamp: number, cost_total: string) =>
      call({ id, project_id: 'p4', session_id, timestamp, cost_total, user_id: '', trace_id: id });
    await insertCalls(ch, [
      p4('a1', 'a', at(1, 22), '1.000000000000'), p4('a2', 'a', at(2, 1), '4.000000000000'),
      p4('b1', 'b', at(3, 23), '3.000000000000'), p4('b2', 'b', at(4, 2), '5.000000000000'),
      p4('c1', 'c', at(3, 12), '3.500000000000'), p4('d1', 'd', at(2, 12), '0.500000000000'),
    ]);
    const query = { from: at(2, 0), to: at(4, 0), metrics: ['spend', 'requests'] as MetricName[], group_by: 'session_id' as const, order_by: 'spend' as const, limit: 10 };
    const { data } = await getMetrics({ ch, projectId: 'p4' }, query);
    expect(data).toEqual([
      { session_id: 'a', spend: '4', requests: 1 },
      { session_id: 'c', spend: '3.5', requests: 1 },
      { session_id: 'b', spend: '3', requests: 1 },
      { session_id: 'd', spend: '0.5', requests: 1 },
    ]);
    expect(data).toEqual((await getMetrics({ ch, projectId: 'p4' }, query, { source: 'raw' })).data);
  });

  it('gives raw calls\' answer with sessions spread over several parts', async () => {
    for (const table of STEP_TABLES) expect(await parts(table), table).toBeGreaterThan(1);
    const [negative] = await queryRows<{ n: string }>(ch, 'SELECT countIf(requests < 0) AS n FROM calls_session_steps', { tag: 'test' });
    expect(Number(negative!.n)).toBeGreaterThan(0);
    await expectExact('unmerged');
  });

  it('gives raw calls\' answer once merged', async () => {
    for (const table of STEP_TABLES) {
      await command(ch, `SYSTEM START MERGES ${table}`, { tag: 'test' });
      await command(ch, `OPTIMIZE TABLE ${table} FINAL`, { tag: 'test' });
    }
    await expectExact('merged');
  });

  it('gives raw calls\' answer after migration 0022 adds the spend of the calls loaded before it', async () => {
    await command(ch, 'TRUNCATE TABLE calls_session_steps', { tag: 'test' });
    await command(ch, 'DROP VIEW calls_session_steps_mv', { tag: 'test' });
    await command(ch, 'ALTER TABLE calls_session_steps DROP COLUMN cost_total', { tag: 'test' });
    for (const name of ['0015_calls_session_steps', '0022_session_steps_spend']) {
      const [migration] = readMigrations().filter((m) => m.name === name);
      for (const statement of migration!.statements) await command(ch, statement, { tag: 'test' });
    }
    const [spent] = await queryRows<{ n: string }>(ch, 'SELECT countIf(cost_total != 0) AS n FROM calls_session_steps', { tag: 'test' });
    expect(Number(spent!.n)).toBeGreaterThan(20);
    await expectExact('after 0015 and 0022 again');
    // and the view 0022 made adds the spend of calls loaded after it
    await insertCalls(ch, [call({ id: 'late-1', ...randomValues(), session_id: 'late', timestamp: at(2, 12), cost_total: usd() })]);
    await expectExact('a call after 0022');
  });
});
