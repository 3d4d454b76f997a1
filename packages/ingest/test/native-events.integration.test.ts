// The native API over real HTTP: the 207 answer, fields named in errors, idempotent ids, pricing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '@margin/clickhouse';
import { bearer, callsOf, createProject, postJson, rowsOf, startHarness, type Harness, type TestProject } from './fixtures/harness.ts';

let h: Harness;
let project: TestProject;

beforeAll(async () => {
  h = await startHarness();
  project = await createProject(h.db);
});
afterAll(async () => h?.close());

const generation = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  type: 'generation',
  timestamp: '2026-11-20T10:00:00Z',
  model: 'gpt-4o-mini',
  provider: 'openai',
  usage: { input_tokens: 1000, output_tokens: 200 },
  ...extra,
});

describe('POST /api/public/events', () => {
  it('answers 207 with each valid event stored and each invalid one named by its field', async () => {
    const response = await postJson(
      `${h.url}/api/public/events`,
      {
        events: [
          generation('ok-1', { name: 'screening.rubric', user_id: 'u1' }),
          generation('bad-tokens', { usage: { input_tokens: 'many' } }),
          { id: 'bad-type', type: 'nonsense', timestamp: 0 },
          { id: 'trace-1', type: 'trace', timestamp: Date.now(), name: 'screening' },
          { id: 'span-1', type: 'span', timestamp: Date.now(), trace_id: 'trace-1', kind: 'tool', tool_name: 'search' },
          { id: 'score-1', type: 'score', timestamp: Date.now(), trace_id: 'trace-1', name: 'quality', value: 0.9 },
        ],
      },
      bearer(project),
    );
    expect(response.status).toBe(207);
    expect(response.json.successes.map((s: { id: string }) => s.id).sort()).toEqual(['ok-1', 'score-1', 'span-1', 'trace-1']);
    const errors = Object.fromEntries(response.json.errors.map((e: { id: string; message: string; status: number }) => [e.id, e]));
    expect(errors['bad-tokens'].status).toBe(400);
    expect(errors['bad-tokens'].message).toContain('usage.input_tokens');
    expect(errors['bad-type'].message).toContain('type');

    const calls = await callsOf(h, project.projectId);
    expect(calls.map((c) => c.id)).toEqual(['ok-1']);
    expect(calls[0]).toMatchObject({ name: 'screening.rubric', user_id: 'u1', input_tokens: 1000, output_tokens: 200, price_source: 'catalog' });
    // gpt-4o-mini: $0.15 in, $0.60 out per 1M → 1000 × 0.15e-6 + 200 × 0.6e-6 = 0.00027
    expect(calls[0]!.cost_total).toBe('0.00027');
    expect((await rowsOf(h, 'spans', project.projectId)).map((s) => s.tool_name)).toEqual(['search']);
    expect((await rowsOf(h, 'traces', project.projectId)).map((t) => t.name)).toEqual(['screening']);
    expect((await rowsOf(h, 'scores', project.projectId)).map((s) => s.value)).toEqual([0.9]);
  });

  it('counts a resent id once, with the newest values', async () => {
    const other = await createProject(h.db);
    const first = await postJson(`${h.url}/api/public/events`, { events: [generation('same', { usage: { input_tokens: 10, output_tokens: 1 } })] }, bearer(other));
    expect(first.status).toBe(207);
    const second = await postJson(`${h.url}/api/public/events`, { events: [generation('same', { usage: { input_tokens: 20, output_tokens: 2 } })] }, bearer(other));
    expect(second.json.successes).toEqual([{ id: 'same', status: 201 }]);
    await h.writer.flush();
    const rows = await queryRows<{ n: string; input: string }>(
      h.ch,
      'SELECT count() AS n, any(input_tokens) AS input FROM calls FINAL WHERE project_id = {p:String}',
      { tag: 'test', params: { p: other.projectId } },
    );
    expect(rows[0]).toEqual({ n: '1', input: 20 });

    // Twice in one request: the later copy wins there too.
    const both = await postJson(
      `${h.url}/api/public/events`,
      { events: [generation('twice', { usage: { input_tokens: 1, output_tokens: 1 } }), generation('twice', { usage: { input_tokens: 7, output_tokens: 1 } })] },
      bearer(other),
    );
    expect(both.status).toBe(207);
    expect((await callsOf(h, other.projectId)).filter((c) => c.id === 'twice').map((c) => c.input_tokens)).toEqual([7]);
  });

  it('refuses cache tokens above input_tokens, naming the field', async () => {
    const response = await postJson(
      `${h.url}/api/public/events`,
      { events: [generation('cache-over', { usage: { input_tokens: 10, output_tokens: 1, cache_read_tokens: 50 } })] },
      bearer(project),
    );
    expect(response.json.errors[0].message).toContain('usage.cache_read_tokens');
  });

  it('answers 400 to a body that is not an envelope', async () => {
    for (const body of ['[]', '{"events": 3}', 'not json', '{"evts": []}']) {
      const response = await postJson(`${h.url}/api/public/events`, body, bearer(project));
      expect(response.status, body).toBe(400);
      expect(response.json.error.code).toBe('bad_request');
    }
  });

  it('prices with the project price posted to /api/public/models from the next event on', async () => {
    const own = await createProject(h.db);
    const before = await postJson(`${h.url}/api/public/events`, { events: [generation('before', { model: 'acme-large' })] }, bearer(own));
    expect(before.status).toBe(207);
    const posted = await postJson(
      `${h.url}/api/public/models`,
      { model_name: 'acme-large', match_pattern: 'acme-large.*', input_price: 2, output_price: '10', cache_read_price: 0.5 },
      bearer(own),
    );
    expect(posted.status).toBe(201);
    await postJson(`${h.url}/api/public/events`, { events: [generation('after', { model: 'ACME-large-2026' })] }, bearer(own));
    const calls = Object.fromEntries((await callsOf(h, own.projectId)).map((c) => [c.id, c]));
    expect(calls.before).toMatchObject({ price_source: 'unknown', cost_total: '0' });
    // 1000 × 2e-6 + 200 × 10e-6 = 0.004
    expect(calls.after).toMatchObject({ price_source: 'project', cost_total: '0.004' });
    const listed = (await fetch(`${h.url}/api/public/models`, { headers: bearer(own) }).then((r) => r.json())) as { data: Record<string, unknown>[] };
    expect(listed.data).toHaveLength(1);
    expect(listed.data[0]).toMatchObject({ model_name: 'acme-large', input_price: '2', output_price: '10', cache_read_price: '0.5' });
    const invalid = await postJson(`${h.url}/api/public/models`, { model_name: 'x', match_pattern: '(', input_price: 1, output_price: 1 }, bearer(own));
    expect(invalid.status).toBe(400);
    expect(invalid.json.error.message).toContain('match_pattern');
  });
});
