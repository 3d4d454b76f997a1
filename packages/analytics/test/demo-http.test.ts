// The HTTP sink against the real ingestion router (real PGlite key, real write-ahead log, real chDB):
// every demo call arrives, and the server prices it exactly as the generator did.
import { createClickHouse, migrateClickHouse, queryRows, type ClickHouse } from '@margin/clickhouse';
import type { CallRow } from '@margin/core';
import { createDb, migrateDb, type Db } from '@margin/db';
import { createIngestion, type Ingestion } from '@margin/ingest';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoKey, ensureDemoProject, generateDemo, loadDemoHttp } from '../src/demo/index.ts';

let dir: string;
let ch: ClickHouse;
let db: Db;
let ingestion: Ingestion;
let server: http.Server;
let url: string;
const END = Date.UTC(2026, 10, 1);

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'margin-demo-http-'));
  ch = await createClickHouse({ dataDir: path.join(dir, 'ch') });
  await migrateClickHouse(ch);
  db = await createDb({ pgliteDir: path.join(dir, 'pg') });
  await migrateDb(db);
  ingestion = await createIngestion({ db, ch, logDir: path.join(dir, 'log') });
  server = http.createServer((req, res) => {
    void ingestion.router(req, res).then((answered) => {
      if (!answered) res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await ingestion?.close();
  await ch?.close();
  await db?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('loadDemoHttp', () => {
  it('sends every call as a native event, and the server stores and prices it as the generator did', async () => {
    // An empty demo project (0 calls) with a key, as `npm run demo -- --url` uses.
    const project = await ensureDemoProject({ db, ch, calls: 0, end: END });
    const key = await createDemoKey(db, project.projectId);
    const options = { calls: 2_500, months: 1, seed: 'http-test', end: END };

    const result = await loadDemoHttp({ ...options, url, secretKey: key.secretKey, eventsPerRequest: 400, concurrency: 4 });
    expect(result.rejected).toBe(0);
    expect(result.calls).toBe(2_500);
    expect(result.requests).toBeGreaterThanOrEqual(Math.ceil(result.events / 400));
    await ingestion.writer.flush();

    const expected: CallRow[] = [];
    for await (const batch of generateDemo({ ...options, projectId: project.projectId })) expected.push(...batch.calls);
    const stored = await queryRows<{ id: string; cost_total: string; input_tokens: number; price_source: string; user_input_tokens: number | null }>(
      ch,
      'SELECT id, toDecimalString(cost_total, 12) AS cost_total, input_tokens, price_source, user_input_tokens FROM calls FINAL WHERE project_id = {p:String}',
      { tag: 'test.demo', params: { p: project.projectId } },
    );
    expect(stored.length).toBe(2_500);
    const byId = new Map(stored.map((row) => [row.id, row]));
    for (const call of expected) {
      const row = byId.get(call.id)!;
      expect(row).toEqual({
        id: call.id,
        cost_total: call.cost_total,
        input_tokens: call.input_tokens,
        price_source: 'catalog',
        user_input_tokens: call.user_input_tokens,
      });
    }
    const [spans] = await queryRows<{ n: string; hashed: string }>(
      ch,
      `SELECT count() AS n, countIf(kind = 'tool' AND input_hash != 0) AS hashed FROM spans WHERE project_id = {p:String}`,
      { tag: 'test.demo', params: { p: project.projectId } },
    );
    expect(Number(spans!.hashed)).toBeGreaterThan(10);
  });
});
