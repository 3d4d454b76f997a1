import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { command, queryRows, type ClickHouse } from '@margin/clickhouse';
import { replayMigrations } from './support/store.ts';
import { getMetrics, type MetricName, type MetricsQuery } from '../src/metrics/index.ts';
import { isTopSessions, topSessionCandidates } from '../src/metrics/top-sessions.ts';
import { at, call, freshClickHouse, insertCalls } from './metrics-fixtures.ts';
import { int, loadResentAndChanged, randomValues, usd } from './metrics-rollup-data.ts';

// The top sessions by spend from their candidates (top-sessions.ts) against the same list over raw
// calls, which groups every session: merged and not, over ranges that cut sessions at their bounds.
const RANGES: [string, number, number][] = [
  ['everything', at(1, 0), at(5, 0)],
  ['one day', at(2, 0), at(3, 0)],
  ['from the middle', at(2, 7), at(6, 0)],
  ['ragged both ends', at(1, 5, 17), at(2, 17, 42)],
  ['ragged, inside one hour', at(2, 13, 10), at(2, 13, 50)],
  ['before any call', at(0, 0), at(1, 0)],
  // the hour of the three sessions of equal spend: the limit falls among them
  ['the ties', at(2, 9), at(2, 10)],
];
const LIMITS = [1, 2, 3, 10];
const METRICS: MetricName[] = ['spend', 'requests', 'cost_per_request', 'spend_share'];
const ALWAYS = { maxUnmerged: Infinity, maxUnmergedShare: 1 };

describe('top sessions by spend', () => {
  let ch: ClickHouse;
  const ctx = () => ({ ch, projectId: 'p1' });
  const list = (from: number, to: number, limit: number): MetricsQuery => ({ from, to, metrics: METRICS, group_by: 'session_id', order_by: 'spend', limit });

  async function expectExact(label: string) {
    for (const [name, from, to] of RANGES) {
      for (const limit of LIMITS) {
        const query = list(from, to, limit);
        const raw = await getMetrics(ctx(), query, { source: 'raw' });
        expect(await getMetrics(ctx(), query), `${label}: ${name}, top ${limit}`).toEqual(raw);
        // and from the candidates whatever the limits, each of the answer's sessions among them
        const candidates = await topSessionCandidates(ctx(), { fromMs: from, toMs: to }, limit, ALWAYS);
        expect(candidates, `${label}: ${name}, top ${limit}`).not.toBeNull();
        for (const row of raw.data) expect(candidates, `${label}: ${name}, top ${limit}`).toContain(row.session_id);
        expect(await getMetrics(ctx(), { ...query, filters: { session_ids: candidates! } }), `${label}: ${name}, top ${limit}`).toEqual(raw);
      }
    }
    // over the hour of the ties, every limit: the limit falls on each of them in turn
    const [, from, to] = RANGES.find(([name]) => name === 'the ties')!;
    for (let limit = 1; limit <= 15; limit++) {
      const raw = await getMetrics(ctx(), list(from, to, limit), { source: 'raw' });
      const candidates = await topSessionCandidates(ctx(), { fromMs: from, toMs: to }, limit, ALWAYS);
      for (const row of raw.data) expect(candidates, `${label}: the ties, top ${limit}`).toContain(row.session_id);
    }
  }

  beforeAll(async () => {
    ch = await freshClickHouse('metrics-top-sessions');
    await loadResentAndChanged(ch);
    const sessions = Array.from({ length: 60 }, (_, i) => `ts-${i}`);
    await insertCalls(ch, [
      // sessions of under an hour each, over the three days
      ...Array.from({ length: 300 }, (_, i) => {
        const session = int(sessions.length);
        return call({ id: `ts-call-${i}`, ...randomValues(), session_id: sessions[session]!, timestamp: at(1, (session * 67) % 72, int(50)), cost_total: usd() });
      }),
      // three sessions of the same spend, to be ordered by id at the limit
      ...['tie-c', 'tie-a', 'tie-b'].map((session, i) => call({ id: `tie-${i}`, ...randomValues(), session_id: session, timestamp: at(2, 9), cost_total: '2.5' })),
      // four that tie only as the list rounds spend (to 1e-9 USD), above every other session of the
      // hour: by exact spend near-z and near-y come first, as the list orders them (by id among equals)
      // near-0 and near-a do
      ...([['near-z', '9.0000000004'], ['near-y', '9.0000000003'], ['near-0', '9.0000000001'], ['near-a', '9']] as const).map(([session, cost]) =>
        call({ id: `${session}-1`, ...randomValues(), session_id: session, timestamp: at(2, 9), cost_total: cost })),
      // a session of large spend mostly outside "one day" and "ragged both ends": cut by their bounds
      call({ id: 'long-1', ...randomValues(), session_id: 'long', timestamp: at(1, 2), cost_total: '40' }),
      call({ id: 'long-2', ...randomValues(), session_id: 'long', timestamp: at(2, 12), cost_total: '0.000000001' }),
      call({ id: 'long-3', ...randomValues(), session_id: 'long', timestamp: at(3, 20), cost_total: '50' }),
      // one cut inside the ragged start hour (05:00-05:17 of day 1 is outside, 05:17-06:00 inside)
      call({ id: 'edge-1', ...randomValues(), session_id: 'edge', timestamp: at(1, 5, 5), cost_total: '30' }),
      call({ id: 'edge-2', ...randomValues(), session_id: 'edge', timestamp: at(1, 5, 30), cost_total: '0.1' }),
    ]);
    for (const table of ['calls_session_steps', 'calls_daily_sessions']) await command(ch, `OPTIMIZE TABLE ${table} FINAL`, { tag: 'test' });
  });
  afterAll(async () => {
    await ch.close();
  });

  it('narrows only top-N lists of sessions by spend over unfiltered calls', () => {
    const query = list(at(1, 0), at(2, 0), 5);
    expect(isTopSessions(query)).toBe(true);
    expect(isTopSessions(query, { source: 'raw' })).toBe(false);
    expect(isTopSessions({ ...query, order_by: 'requests' })).toBe(false);
    expect(isTopSessions({ ...query, limit: undefined })).toBe(false);
    expect(isTopSessions({ ...query, group_by: 'user_id' })).toBe(false);
    expect(isTopSessions({ ...query, filters: { model: 'gpt-4o' } })).toBe(false);
  });

  it('lists exactly what raw calls list, from a few candidates, merged into one part', async () => {
    await expectExact('merged');
    // the candidates are a few of the sessions: the top 3, the ties and the cut ones
    const [sessions] = await queryRows<{ n: string }>(ch, "SELECT uniqExact(session_id) AS n FROM calls FINAL WHERE project_id = 'p1' AND session_id != ''", { tag: 'test' });
    const candidates = await topSessionCandidates(ctx(), { fromMs: at(2, 0), toMs: at(3, 0) }, 3);
    expect(candidates!.length).toBeLessThan(Number(sessions!.n) / 2);
    expect(candidates).toEqual(expect.arrayContaining(['long']));
  });

  it('lists exactly with sessions spread over several parts', async () => {
    await command(ch, 'SYSTEM STOP MERGES calls_session_steps', { tag: 'test' });
    try {
      await unmerged();
    } finally {
      await command(ch, 'SYSTEM START MERGES calls_session_steps', { tag: 'test' });
    }
  });

  async function unmerged() {
    // calls moved to other sessions and hours, spend changed, and new sessions
    const [row] = await queryRows<{ ids: string[] }>(ch, "SELECT groupArray(id) AS ids FROM (SELECT id FROM calls FINAL WHERE project_id = 'p1' AND startsWith(id, 'ts-call-') ORDER BY id LIMIT 40)", { tag: 'test' });
    await insertCalls(ch, row!.ids.map((id, i) => call({ id, ...randomValues(), session_id: `ts-${i % 7}`, cost_total: usd(), version: Date.now() + 100_000 + i })));
    await insertCalls(ch, Array.from({ length: 20 }, (_, i) => call({ id: `late-${i}`, ...randomValues(), session_id: `late-${int(3)}`, cost_total: usd() })));
    const [parts] = await queryRows<{ n: string }>(ch, "SELECT count() AS n FROM system.parts WHERE table = 'calls_session_steps' AND active", { tag: 'test' });
    expect(Number(parts!.n)).toBeGreaterThan(1);
    await expectExact('unmerged');
  }

  it('migration 0024 adds the spend of the calls loaded before it', async () => {
    await command(ch, 'OPTIMIZE TABLE calls_session_steps FINAL', { tag: 'test' });
    await command(ch, 'ALTER TABLE calls_session_steps UPDATE cost_total = 0 WHERE 1 SETTINGS mutations_sync = 2', { tag: 'test' });
    const spend = async () =>
      (await queryRows<{ steps: string; raw: string }>(
        ch,
        `SELECT (SELECT sum(cost_total) FROM calls_session_steps WHERE project_id = 'p1') AS steps,
                (SELECT sum(cost_total) FROM calls FINAL WHERE project_id = 'p1' AND session_id != '') AS raw`,
        { tag: 'test' },
      ))[0]!;
    expect(Number((await spend()).steps)).toBe(0);
    await replayMigrations(ch, '0024_session_steps_cost');
    const after = await spend();
    expect(Number(after.raw)).toBeGreaterThan(0);
    expect(after.steps).toBe(after.raw);
    await expectExact('after 0024 again');
  });
});
