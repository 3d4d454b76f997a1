import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { command, queryRows, readMigrations, type ClickHouse } from '@margin/clickhouse';
import { replayMigrations } from './support/store.ts';
import { getMetrics, listGenerations, METRIC_NAMES, type MetricsQuery } from '../src/metrics/index.ts';
import { at, call, freshClickHouse, insertCalls } from './metrics-fixtures.ts';
import { loadResentAndChanged, randomValues } from './metrics-rollup-data.ts';

// Migration 0013 copies calls into a table with smaller granules. On a store that already holds
// calls (resent, changed and older copies, merges held off so that stale copies are still there) it
// must keep exactly the newest copy of each call, and leave the views that feed the rollups in place:
// calls loaded after it reach the rollups once, as before.
const MIGRATION = '0013_calls_granules';
const QUERIES: [string, MetricsQuery][] = [
  ['every metric', { from: at(1, 0), to: at(4, 0), metrics: METRIC_NAMES }],
  ['every metric by day', { from: at(1, 0), to: at(4, 0), metrics: METRIC_NAMES, group_by: 'day' }],
  ['spend by model, ragged bounds', { from: at(1, 3) + 17 * 60_000, to: at(3, 20) + 5 * 60_000, metrics: ['spend', 'requests', 'cost_per_request'], group_by: 'model' }],
];

describe('migration 0013 on a store that holds calls', () => {
  let ch: ClickHouse;
  const ctx = () => ({ ch, projectId: 'p1' });
  const before = new Map<string, unknown>();
  const newest = () =>
    queryRows<{ id: string; cost: string; ts: string; model: string }>(
      ch,
      "SELECT id, toString(cost_total) AS cost, toString(timestamp) AS ts, toString(model) AS model FROM calls FINAL WHERE project_id = 'p1' ORDER BY id",
      { tag: 'test' },
    );
  let newestBefore: unknown;
  let copiesBefore = 0;

  beforeAll(async () => {
    ch = await freshClickHouse('migration-calls-granules');
    await loadResentAndChanged(ch);
    // 30 calls moved to one key of their own, then a newer copy under that same key with merges held
    // off (a newer copy under another key DELETEs the old one, which stopped merges would block)
    const again = await queryRows<{ id: string }>(ch, "SELECT id FROM calls FINAL WHERE project_id = 'p1' ORDER BY id LIMIT 30", { tag: 'test' });
    await insertCalls(ch, again.map(({ id }) => call({ id, ...randomValues(), timestamp: at(2, 7), user_id: 'u9', session_id: '', trace_id: 't9' })));
    await command(ch, 'SYSTEM STOP MERGES calls', { tag: 'test' });
    await insertCalls(ch, again.map(({ id }) => call({ id, ...randomValues(), timestamp: at(2, 7), user_id: 'u9', session_id: '', trace_id: 't9' })));
    for (const [label, query] of QUERIES) before.set(label, await getMetrics(ctx(), query));
    before.set('generations', await listGenerations(ctx(), { order_by: 'cost', limit: 100 }));
    newestBefore = await newest();
    copiesBefore = Number((await queryRows<{ n: string }>(ch, "SELECT count() AS n FROM calls WHERE project_id = 'p1'", { tag: 'test' }))[0]!.n);
    const [migration] = readMigrations().filter((m) => m.name === MIGRATION);
    expect(migration?.name).toBe(MIGRATION);
    await replayMigrations(ch, MIGRATION);
  });
  afterAll(async () => {
    await ch.close();
  });

  it('lays calls out in 1,024-row granules', async () => {
    const [table] = await queryRows<{ statement: string }>(ch, 'SHOW CREATE TABLE calls', { tag: 'test' });
    expect(table!.statement).toMatch(/index_granularity = 1024/);
    expect(table!.statement).toMatch(/INDEX calls_trace_key_bf/);
  });

  it('keeps exactly the newest copy of each call', async () => {
    expect(copiesBefore).toBeGreaterThan((newestBefore as unknown[]).length); // stale copies were there
    const [copies] = await queryRows<{ n: string }>(ch, "SELECT count() AS n FROM calls WHERE project_id = 'p1'", { tag: 'test' });
    expect(await newest()).toEqual(newestBefore);
    expect(Number(copies!.n)).toBe((newestBefore as unknown[]).length);
  });

  it('answers every metric and the generations page as before', async () => {
    for (const [label, query] of QUERIES) expect(await getMetrics(ctx(), query), label).toEqual(before.get(label));
    expect(await listGenerations(ctx(), { order_by: 'cost', limit: 100 })).toEqual(before.get('generations'));
  });

  it('still feeds the rollups from calls loaded afterwards, once each', async () => {
    const later = Array.from({ length: 60 }, (_, i) => call({ id: `later-${i}`, ...randomValues() }));
    await insertCalls(ch, later);
    await insertCalls(ch, later.slice(0, 20).map((c) => call({ ...c, ...randomValues(), id: c.id, version: c.version + 1 })));
    for (const [label, query] of QUERIES) {
      const rollup = await getMetrics(ctx(), query);
      expect(rollup, label).not.toEqual(before.get(label));
      expect(rollup, label).toEqual(await getMetrics(ctx(), query, { source: 'raw' }));
    }
    await command(ch, 'SYSTEM START MERGES calls', { tag: 'test' });
  });
});
