// The public API as mounted by the real server: ingestion and the read side behind one key auth.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from './server-process.ts';

const SECRET = 'sk-mg-public-api-test';
const auth = { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' };
const DAY = Date.UTC(2026, 10, 20);
const range = `from=${new Date(DAY).toISOString()}&to=${new Date(DAY + 86_400_000).toISOString()}`;

describe('public API on the server', () => {
  let server: RunningServer;
  const get = (route: string, headers: Record<string, string> = auth) => fetch(`${server.url}${route}`, { headers });

  beforeAll(async () => {
    server = await startServer({
      MARGIN_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'margin-api-')),
      MARGIN_DEMO: 'off',
      MARGIN_INIT_ORG_NAME: 'Acme',
      MARGIN_INIT_PROJECT_NAME: 'API',
      MARGIN_INIT_PROJECT_PUBLIC_KEY: 'pk-mg-public-api-test',
      MARGIN_INIT_PROJECT_SECRET_KEY: SECRET,
      MARGIN_INIT_USER_EMAIL: 'owner@acme.test',
      MARGIN_INIT_USER_PASSWORD: 'correct-horse-battery',
    });
    const events = [
      { id: 'g1', trace_id: 't1', cost: 0.1, model: 'gpt-4o-mini', user_id: 'u1' },
      { id: 'g2', trace_id: 't1', cost: 0.2, model: 'gpt-4o-mini', user_id: 'u1' },
      { id: 'g3', trace_id: 't2', cost: 0.000000001, model: 'gpt-4o', user_id: 'u2' },
    ].map((e, i) => ({
      id: e.id,
      type: 'generation',
      trace_id: e.trace_id,
      timestamp: DAY + i * 1000,
      name: 'support.answer',
      model: e.model,
      user_id: e.user_id,
      usage: { input_tokens: 100, output_tokens: 10 },
      cost: { total: e.cost },
    }));
    const answer = await fetch(`${server.url}/api/public/events`, { method: 'POST', headers: auth, body: JSON.stringify({ events }) });
    expect(answer.status).toBe(207);
    // The contract: acknowledged calls are in query results within 1 second.
    const acknowledged = Date.now();
    for (;;) {
      const total = (await (await get(`/api/public/metrics?${range}&metrics=requests`)).json()) as { data: { requests: number }[] };
      if (total.data[0]?.requests === 3) break;
      expect(Date.now() - acknowledged).toBeLessThan(1000);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('answers metrics with exact money, counting each call once', async () => {
    const answer = await get(`/api/public/metrics?${range}&metrics=spend,requests,users,traces&group_by=model`);
    expect(answer.status).toBe(200);
    const { data } = (await answer.json()) as { data: Record<string, unknown>[] };
    expect(data.sort((a, b) => String(a.model).localeCompare(String(b.model)))).toEqual([
      { model: 'gpt-4o', spend: 0.000000001, requests: 1, users: 1, traces: 1 },
      { model: 'gpt-4o-mini', spend: 0.3, requests: 2, users: 1, traces: 1 },
    ]);
  });

  it('lists generations by cost and returns a trace with its calls', async () => {
    const list = (await (await get(`/api/public/generations?${range}&order_by=cost`)).json()) as { data: { id: string }[] };
    expect(list.data.map((g) => g.id)).toEqual(['g2', 'g1', 'g3']);
    const trace = await get('/api/public/traces/t1');
    expect(trace.status).toBe(200);
    expect(JSON.stringify(await trace.json())).toContain('"g2"');
  });

  it('serves the analyses and the what-if', async () => {
    const mix = await get(`/api/public/analyses/model-mix?${range}`);
    expect(mix.status).toBe(200);
    const models = ((await mix.json()) as { data: { models: { model: string; requests: number }[] } }).data.models;
    expect(models.map((m) => [m.model, m.requests]).sort()).toEqual([
      ['gpt-4o', 1],
      ['gpt-4o-mini', 2],
    ]);
    const whatIf = await fetch(`${server.url}/api/public/analyses/what-if`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ from: new Date(DAY).toISOString(), to: new Date(DAY + 86_400_000).toISOString(), scenario: { batch: { names: ['support.answer'] } } }),
    });
    expect(whatIf.status).toBe(200);
    expect((await whatIf.json()) as object).toMatchObject({ data: { baseline_spend: 0.300000001 } });
  });

  it('names the wrong parameter, and refuses calls without a key', async () => {
    const bad = await get(`/api/public/metrics?${range}&metrics=spend&group_by=colour`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/^group_by: /);
    const unknown = await get(`/api/public/analyses/horoscope?${range}`);
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toMatch(/horoscope/);
    const anonymous = await get(`/api/public/metrics?${range}&metrics=spend`, {});
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: { code: 'unauthorized' } });
    const missing = await get('/api/public/nothing-here');
    expect(missing.status).toBe(404);
  });
});
