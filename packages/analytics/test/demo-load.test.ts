// Loading demo traffic into real chDB (and the demo project into PGlite): exact counts, real costs,
// rollups fed, and a second start that finds the project instead of loading it twice.
import { createClickHouse, migrateClickHouse, queryRows, type ClickHouse } from '@margin/clickhouse';
import { createDb, migrateDb, type Db } from '@margin/db';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_MODELS, ensureDemoProject, generateDemo, loadDemoDirect } from '../src/demo/index.ts';

let dir: string;
let ch: ClickHouse;
let db: Db;
const END = Date.UTC(2026, 10, 1);

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'margin-demo-load-'));
  ch = await createClickHouse({ dataDir: path.join(dir, 'ch') });
  await migrateClickHouse(ch);
  db = await createDb({ pgliteDir: path.join(dir, 'pg') });
  await migrateDb(db);
});

afterAll(async () => {
  await ch?.close();
  await db?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const one = async <T>(sql: string, params: Record<string, unknown> = {}) => (await queryRows<T>(ch, sql, { tag: 'test.demo', params }))[0]!;

describe('loadDemoDirect', () => {
  it('puts exactly N calls in the store, with catalog costs above zero for every model', async () => {
    const options = { projectId: 'proj_load', calls: 12_345, months: 2, seed: 'load-test', end: END };
    let expected = { spans: 0, traces: 0, scores: 0 };
    for await (const batch of generateDemo(options)) {
      expected = { spans: expected.spans + batch.spans.length, traces: expected.traces + batch.traces.length, scores: expected.scores + batch.scores.length };
    }
    const progress: number[] = [];
    const result = await loadDemoDirect({ ch, ...options, batchSize: 4_000, onProgress: (p) => progress.push(p.calls) });
    expect(result).toMatchObject({ calls: 12_345, ...expected });
    expect(progress.at(-1)).toBe(12_345);
    expect(progress.length).toBeGreaterThanOrEqual(3);

    const totals = await one<{ calls: string; ids: string; unpriced: string }>(
      `SELECT count() AS calls, uniqExact(id) AS ids, countIf(price_source != 'catalog') AS unpriced FROM calls WHERE project_id = {p:String}`,
      { p: 'proj_load' },
    );
    expect(totals).toEqual({ calls: '12345', ids: '12345', unpriced: '0' });
    const perModel = await queryRows<{ model: string; spend: string; zero: string }>(
      ch,
      `SELECT model, sum(cost_total) AS spend, countIf(cost_total = 0 AND input_tokens > 0) AS zero
       FROM calls WHERE project_id = {p:String} GROUP BY model ORDER BY model`,
      { tag: 'test.demo', params: { p: 'proj_load' } },
    );
    expect(perModel.map((r) => r.model)).toEqual(Object.values(DEMO_MODELS).map((m) => m.model).sort());
    for (const row of perModel) {
      expect(Number(row.spend)).toBeGreaterThan(0);
      expect(row.zero).toBe('0');
    }
    // The same statement fed calls_delta's rollups: the hourly rollup holds every call and its spend.
    const rollup = await one<{ requests: string; spend: string }>(
      'SELECT sum(requests) AS requests, sum(cost_total) AS spend FROM calls_hourly WHERE project_id = {p:String}',
      { p: 'proj_load' },
    );
    const raw = await one<{ spend: string }>('SELECT sum(toDecimal128(cost_total, 12)) AS spend FROM calls WHERE project_id = {p:String}', { p: 'proj_load' });
    expect(rollup).toEqual({ requests: '12345', spend: raw.spend });
    for (const [table, count] of [['spans', expected.spans], ['traces', expected.traces], ['scores', expected.scores]] as const) {
      const row = await one<{ n: string }>(`SELECT count() AS n FROM ${table} WHERE project_id = {p:String}`, { p: 'proj_load' });
      expect(Number(row.n)).toBe(count);
    }
    // Every score names a call of its batch, and stores it (hour, name, model, version) as the loader would.
    const scored = await one<{ n: string; same: string }>(
      `SELECT count() AS n, countIf(s.call_version = c.version AND s.call_name = c.name AND s.call_model = c.model AND s.call_hour = toStartOfHour(c.timestamp)) AS same
       FROM scores AS s INNER JOIN calls AS c ON c.project_id = s.project_id AND c.id = s.observation_id WHERE s.project_id = {p:String}`,
      { p: 'proj_load' },
    );
    expect(Number(scored.n)).toBe(expected.scores);
    expect(scored.same).toBe(scored.n);
    // Content storage is off: tool inputs are kept as hashes only.
    const tools = await one<{ n: string; withInput: string }>(
      `SELECT countIf(input_hash != 0) AS n, countIf(input != '') AS withInput FROM spans WHERE project_id = {p:String} AND kind = 'tool'`,
      { p: 'proj_load' },
    );
    expect(Number(tools.n)).toBeGreaterThan(100);
    expect(tools.withInput).toBe('0');
  });
});

describe('ensureDemoProject', () => {
  it('creates one demo project with its calls, and finds it again on the next start', async () => {
    const first = await ensureDemoProject({ db, ch, calls: 3_000, end: END });
    expect(first.created).toBe(true);
    expect(first.existingCalls).toBe(0);
    expect((await first.loading)?.calls).toBe(3_000);
    const project = await db.prisma.project.findUniqueOrThrow({ where: { id: first.projectId } });
    expect(project.isDemo).toBe(true);

    const second = await ensureDemoProject({ db, ch, calls: 3_000, end: END, background: true });
    expect(second).toMatchObject({ projectId: first.projectId, created: false, existingCalls: 3_000 });
    expect(await second.loading).toBeNull();
    expect(await db.prisma.project.count({ where: { isDemo: true } })).toBe(1);
    const stored = await one<{ n: string }>('SELECT count() AS n FROM calls WHERE project_id = {p:String}', { p: first.projectId });
    expect(stored.n).toBe('3000');
  });
});
