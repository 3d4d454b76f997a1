// getTrace reads a trace's calls through the trace-key skip index of migration 0007: the answer is
// the same as the plain condition (trace_id, or the id of a call sent without one), and the index is
// really used (a query that does not match the index expression word for word silently scans all).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows, type ClickHouse } from '@margin/clickhouse';
import { getTrace } from '../src/metrics/index.ts';
import { call, freshClickHouse, insertCalls } from './metrics-fixtures.ts';

describe('getTrace over the trace-key skip index', () => {
  let ch: ClickHouse;
  beforeAll(async () => {
    ch = await freshClickHouse('trace-index');
    await insertCalls(ch, [
      call({ id: 'solo', trace_id: '', cost_total: '0.5' }),
      call({ id: 'a1', trace_id: 'A', cost_total: '1' }),
      call({ id: 'a2', trace_id: 'A', cost_total: '2' }),
      // its id is another trace's id, but it belongs to trace B
      call({ id: 'A', trace_id: 'B', cost_total: '4' }),
    ], {
      spans: [{
        project_id: 'p1', id: 's1', timestamp: Date.UTC(2026, 0, 1, 10), trace_id: 'A', parent_id: '', name: 'agent', kind: 'agent',
        environment: 'production', status: 'ok', error_message: '', duration_ms: 5, tool_name: '', input_hash: '0', input: '', output: '',
        metadata: {}, retention_days: 0, version: 1,
      }],
    });
  });
  afterAll(async () => {
    await ch.close();
  });

  it('finds a call sent without a trace by its id, and a trace by its trace_id only', async () => {
    const solo = await getTrace({ ch, projectId: 'p1' }, 'solo');
    expect(solo?.observations.map((node) => node.id)).toEqual(['solo']);
    expect(solo?.totals.cost).toBe('0.5');
    const a = await getTrace({ ch, projectId: 'p1' }, 'A');
    expect(a?.observations.map((node) => node.id).sort()).toEqual(['a1', 'a2', 's1']);
    expect(a?.totals.cost).toBe('3');
    expect((await getTrace({ ch, projectId: 'p1' }, 'B'))?.observations.map((node) => node.id)).toEqual(['A']);
    // '' is no trace key: every call without a trace_id answers it (the plain condition)
    expect((await getTrace({ ch, projectId: 'p1' }, ''))?.observations.map((node) => node.id)).toEqual(['solo']);
  });

  it('has the query use the calls and spans skip indexes', async () => {
    const explain = async (sql: string) =>
      (await queryRows<{ explain: string }>(ch, `EXPLAIN indexes = 1 ${sql}`, { tag: 'test.explain', params: { t: 'A' } })).map((row) => row.explain.trim());
    expect(await explain(`SELECT id FROM calls WHERE project_id = 'p1' AND if(empty(trace_id), id, trace_id) = {t:String}`)).toContain('Name: calls_trace_key_bf');
    expect(await explain(`SELECT id FROM spans FINAL WHERE project_id = 'p1' AND trace_id = {t:String}`)).toContain('Name: spans_trace_id_bf');
  });
});
