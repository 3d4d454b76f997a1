import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { command, queryRows, readMigrations, type ClickHouse } from '@margin/clickhouse';
import { replayMigrations } from './support/store.ts';
import { buildMetricsSql, getMetrics, METRIC_NAMES, type MetricsQuery } from '../src/metrics/index.ts';
import { at, freshClickHouse } from './metrics-fixtures.ts';
import { loadResentAndChanged } from './metrics-rollup-data.ts';

// Migrations 0008 and 0009 add rollups to stores that already hold calls: their backfill (from
// `calls FINAL`) and the MATERIALIZE of the daily rollups' key hashes must give the answers the
// views give. Here the calls go in first (views filling the rollups), then the new rollups are
// emptied and the hash columns dropped, and both migrations run again over the calls already there.
const ADDED = ['0008_distinct_key_rollups', '0009_tag_latency_rollups'];
const NEW_TABLES = ['calls_hourly_traces', 'calls_hourly_tags', 'calls_daily_latency'];

const QUERIES: [string, MetricsQuery, string][] = [
  ['every metric', { from: at(1, 0), to: at(4, 0), metrics: METRIC_NAMES }, 'daily_users,daily_sessions,daily_latency,hourly_traces,hourly'],
  ['every metric by day', { from: at(1, 0), to: at(4, 0), metrics: METRIC_NAMES, group_by: 'day' }, 'daily_users,daily_sessions,daily_latency,hourly_traces,hourly'],
  ['traces by hour', { from: at(1, 5), to: at(2, 17), metrics: ['traces', 'requests_per_trace'], group_by: 'hour' }, 'hourly_traces'],
  ['spend by tag', { from: at(1, 0), to: at(4, 0), metrics: ['spend', 'requests', 'cache_savings'], group_by: 'tag' }, 'hourly_tags'],
  ['users and sessions by day', { from: at(1, 0), to: at(4, 0), metrics: ['users', 'sessions'], group_by: 'day' }, 'daily_users,daily_sessions'],
];

describe('migrations 0008 and 0009 backfill their rollups from the calls already stored', () => {
  let ch: ClickHouse;
  const ctx = () => ({ ch, projectId: 'p1' });
  const answers = new Map<string, unknown>();

  beforeAll(async () => {
    ch = await freshClickHouse('metrics-backfill');
    await loadResentAndChanged(ch);
    for (const [label, query] of QUERIES) answers.set(label, await getMetrics(ctx(), query));
    for (const table of NEW_TABLES) await command(ch, `TRUNCATE TABLE ${table}`, { tag: 'test' });
    await command(ch, 'ALTER TABLE calls_daily_users DROP COLUMN user_hash', { tag: 'test' });
    await command(ch, 'ALTER TABLE calls_daily_sessions DROP COLUMN session_hash', { tag: 'test' });
    const migrations = readMigrations().filter((migration) => ADDED.includes(migration.name));
    expect(migrations.map((migration) => migration.name)).toEqual(ADDED);
    await replayMigrations(ch, ...ADDED);
  });
  afterAll(async () => {
    await ch.close();
  });

  it('fills the new rollups again', async () => {
    for (const table of NEW_TABLES) {
      const [row] = await queryRows<{ n: string }>(ch, `SELECT count() AS n FROM ${table}`, { tag: 'test' });
      expect(Number(row!.n), table).toBeGreaterThan(0);
    }
  });

  for (const [label, query, source] of QUERIES) {
    it(`answers ${label} from the backfilled rollups as from raw calls and as the views did`, async () => {
      expect(buildMetricsSql(ctx(), query).source).toBe(source);
      const backfilled = await getMetrics(ctx(), query);
      expect(backfilled.data.length).toBeGreaterThan(0);
      expect(backfilled).toEqual(answers.get(label));
      expect(backfilled).toEqual(await getMetrics(ctx(), query, { source: 'raw' }));
    });
  }
});
