import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { command, queryRows, type ClickHouse } from '@margin/clickhouse';
import type { SpanRow, TraceRow } from '@margin/core';
import { handleTrace, ZTraceResponse, type TTraceNode } from '../src/api/index.ts';
import { buildTree, type TraceNode } from '../src/metrics/index.ts';
import { at, call, freshClickHouse, insertCalls } from './metrics-fixtures.ts';

function span(overrides: Partial<SpanRow> & Pick<SpanRow, 'id'>): SpanRow {
  return {
    project_id: 'p1', timestamp: at(1, 10), trace_id: 'T', parent_id: '', name: 'step', kind: 'agent', environment: 'production',
    status: 'ok', error_message: '', duration_ms: 10, tool_name: '', input_hash: '0', input: '', output: '', metadata: {},
    retention_days: 0, version: 1, ...overrides,
  };
}

const trace: TraceRow = {
  project_id: 'p1', id: 'T', timestamp: at(1, 10), name: 'screening', user_id: 'u1', session_id: 's1', environment: 'production',
  tags: ['x'], metadata: { team: 'hr' }, retention_days: 0, version: 1,
};

// T: agent (span) → [retrieve (span, tool) → [g2], g1]; g3 at the top; g4 points at a missing parent.
// Costs 0.1 + 0.2 + 0.000000001 + 0.3 = 0.600000001.
const spans = [
  span({ id: 'agent', name: 'agent', timestamp: at(1, 10, 0) }),
  span({ id: 'retrieve', parent_id: 'agent', kind: 'tool', tool_name: 'search', timestamp: at(1, 10, 1) }),
];
const calls = [
  call({ id: 'g1', trace_id: 'T', parent_id: 'agent', timestamp: at(1, 10, 2), input_tokens: 100, output_tokens: 10, cost_total: '0.1' }),
  call({ id: 'g2', trace_id: 'T', parent_id: 'retrieve', timestamp: at(1, 10, 3), input_tokens: 200, output_tokens: 20, cost_total: '0.2' }),
  call({ id: 'g3', trace_id: 'T', parent_id: 'T', timestamp: at(1, 10, 4), input_tokens: 1, output_tokens: 2, cost_total: '0.000000001' }),
  call({ id: 'g4', trace_id: 'T', parent_id: 'gone', timestamp: at(1, 10, 5), input_tokens: 5, output_tokens: 5, cost_total: '0.3' }),
  call({ id: 'other', trace_id: 'U', cost_total: '5' }),
  call({ id: 'elsewhere', project_id: 'p2', trace_id: 'T', cost_total: '7' }),
];

const shape = (nodes: TTraceNode[]): unknown => nodes.map((n) => ({ id: n.id, cost: n.totals.cost, children: shape(n.children) }));

describe('GET /api/public/traces/{id} handler', () => {
  let ch: ClickHouse;
  const ctx = () => ({ ch, projectId: 'p1' });
  beforeAll(async () => {
    ch = await freshClickHouse('api-trace');
    await insertCalls(ch, [call({ ...calls[0]!, cost_total: '4', version: 1 })]); // g1 resent: the newest copy counts
    await insertCalls(ch, calls, { spans, traces: [trace] });
  });
  afterAll(async () => {
    await ch.close();
  });

  it('returns the trace row, the tree by parent_id with subtree tokens and cost, and the totals', async () => {
    const result = await handleTrace('T', ctx());
    expect(result.status).toBe(200);
    const { data } = ZTraceResponse.parse(result.body);
    expect(data.trace).toMatchObject({ name: 'screening', user_id: 'u1', tags: ['x'], metadata: { team: 'hr' }, timestamp: '2026-01-01T10:00:00.000Z' });
    expect(data.totals).toEqual({ requests: 4, input_tokens: 306, output_tokens: 37, total_tokens: 343, cost: 0.600000001 });
    expect(shape(data.observations)).toEqual([
      { id: 'agent', cost: 0.3, children: [{ id: 'retrieve', cost: 0.2, children: [{ id: 'g2', cost: 0.2, children: [] }] }, { id: 'g1', cost: 0.1, children: [] }] },
      { id: 'g3', cost: 0.000000001, children: [] },
      { id: 'g4', cost: 0.3, children: [] },
    ]);
    const agent = data.observations[0]!;
    expect(agent.totals).toEqual({ requests: 2, input_tokens: 300, output_tokens: 30, total_tokens: 330, cost: 0.3 });
    const g1 = agent.children[1]!;
    expect(g1.type === 'generation' && g1.cost.total).toBe(0.1);
  });

  it('shows the newest copy of a resent call while both copies are stored', async () => {
    await command(ch, 'SYSTEM STOP MERGES calls', { tag: 'test' });
    await insertCalls(ch, [call({ id: 'v1', trace_id: 'V', timestamp: at(1, 11), cost_total: '1', version: 1 })]);
    await insertCalls(ch, [call({ id: 'v1', trace_id: 'V', timestamp: at(1, 11), cost_total: '0.25', version: 2 })]);
    const [copies] = await queryRows<{ n: string }>(ch, "SELECT count() AS n FROM calls WHERE id = 'v1'", { tag: 'test' });
    expect(Number(copies!.n)).toBe(2);
    const { data } = ZTraceResponse.parse((await handleTrace('V', ctx())).body);
    expect(data.observations.map((node) => [node.id, node.totals.cost])).toEqual([['v1', 0.25]]);
    expect(data.totals.cost).toBe(0.25);
    await command(ch, 'SYSTEM START MERGES calls', { tag: 'test' });
  });

  it('serves a call sent without a trace as a trace of its own, and 404s an unknown id', async () => {
    const own = await handleTrace('U', ctx());
    expect(own.status).toBe(200);
    const { data } = ZTraceResponse.parse(own.body);
    expect(data.trace).toBeNull();
    expect(data.totals.cost).toBe(5);
    expect((await handleTrace('nope', ctx())).status).toBe(404);
    expect((await handleTrace('T', { ch, projectId: 'p3' })).status).toBe(404);
    expect((await handleTrace('x'.repeat(129), ctx())).body).toEqual({ error: { code: 'invalid_parameter', message: 'id: at most 128 characters' } });
  });

  it('keeps nodes on a parent cycle or pointing at themselves as roots, losing none', () => {
    const node = (id: string, parent_id: string) => ({ ...span({ id, parent_id }), type: 'span', totals: {}, children: [] }) as unknown as TraceNode;
    const roots = buildTree([node('a', 'b'), node('b', 'a'), node('c', 'c'), node('d', 'a')], 'T');
    expect(roots.map((n) => n.id)).toEqual(['a', 'b', 'c']);
    expect(roots[0]!.children.map((n) => n.id)).toEqual(['d']);
  });
});
