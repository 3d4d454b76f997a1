import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { command, queryRows, type ClickHouse } from '@margin/clickhouse';
import { CUT_HERE, INSIDE_REPEATS, INSIDE_SETTINGS } from '../src/analyses/waste-tools.ts';
import { waste } from '../src/analyses/waste.ts';
import { partRows, rangeParams } from '../src/sql/index.ts';
import { at, call, insert, openStore, span } from './analyses-helpers.ts';

describe('waste analysis', () => {
  let ch: ClickHouse;
  const project = 'p-waste';
  const range = { from: '2026-03-01T00:00:00Z', to: '2026-04-01T00:00:00Z' };
  beforeAll(async () => {
    ch = await openStore();
    const t = at('2026-03-10T12:00:00Z');
    await insert(ch, 'calls', [
      call(project, { timestamp: t, status: 'error', cost_total: '0.001000001000' }),
      call(project, { timestamp: t, status: 'error', attempt: 2, cost_total: '0.002' }),
      call(project, { timestamp: t, attempt: 3, cost_total: '0.000000000004' }),
      call(project, { timestamp: t, cost_total: '5' }),
      // A loop: six first attempts of agent.step in trace L (plus one retry that does not deepen it).
      ...Array.from({ length: 6 }, () => call(project, { timestamp: t, trace_id: 'L', name: 'agent.step', cost_total: '0.1' })),
      call(project, { timestamp: t, trace_id: 'L', name: 'agent.plan', cost_total: '0.05' }),
      call(project, { timestamp: t, trace_id: 'L', name: 'agent.step', attempt: 2, cost_total: '0.2' }),
      // Four first attempts and two retries of them: no loop.
      ...Array.from({ length: 4 }, () => call(project, { timestamp: t, trace_id: 'S', name: 'agent.step', cost_total: '1' })),
      ...Array.from({ length: 2 }, () => call(project, { timestamp: t, trace_id: 'S', name: 'agent.step', attempt: 2, cost_total: '1' })),
      // Outside the range and another project: never counted.
      call(project, { timestamp: at('2026-04-01T00:00:00Z'), status: 'error', cost_total: '9' }),
      call('other', { timestamp: t, status: 'error', cost_total: '9' }),
    ]);
    await insert(ch, 'spans', [
      span(project, { timestamp: t, trace_id: 'A', tool_name: 'search', input_hash: '11' }),
      span(project, { timestamp: t, trace_id: 'A', tool_name: 'search', input_hash: '11' }),
      span(project, { timestamp: t, trace_id: 'A', tool_name: 'search', input_hash: '11' }),
      span(project, { timestamp: t, trace_id: 'A', tool_name: 'search', input_hash: '12' }),
      span(project, { timestamp: t, trace_id: 'B', tool_name: 'fetch', input_hash: '7' }),
      span(project, { timestamp: t, trace_id: 'B', tool_name: 'fetch', input_hash: '7' }),
      span(project, { timestamp: t, trace_id: 'C', tool_name: 'fetch', input_hash: '7' }),
      // D: d2 first repeats d1's input, then a newer copy of d2 repeats d3's instead: one repeat
      span(project, { timestamp: t, trace_id: 'D', id: 'd1', tool_name: 'search', input_hash: '21', version: 1 }),
      span(project, { timestamp: t, trace_id: 'D', id: 'd2', tool_name: 'search', input_hash: '21', version: 1 }),
      span(project, { timestamp: t, trace_id: 'D', id: 'd3', tool_name: 'search', input_hash: '22', version: 1 }),
      // the other project's spans and those outside the range never count
      span('other', { timestamp: t, trace_id: 'A', tool_name: 'search', input_hash: '11' }),
      span(project, { timestamp: at('2026-04-01T00:00:00Z'), trace_id: 'E', tool_name: 'search', input_hash: '1' }),
      span(project, { timestamp: at('2026-04-01T00:00:00Z'), trace_id: 'E', tool_name: 'search', input_hash: '1' }),
    ]);
    await insert(ch, 'spans', [
      span(project, { timestamp: t, trace_id: 'D', id: 'd2', tool_name: 'search', input_hash: '22', version: 2 }),
      span(project, { timestamp: t, trace_id: 'D', id: 'd3', tool_name: 'search', input_hash: '22', version: 1 }), // resent as it was
      span(project, { timestamp: t, trace_id: 'D', id: 'd1', tool_name: 'search', input_hash: '23', version: 0 }), // older copy: ignored
    ]);
  });
  afterAll(async () => ch.close());

  it('adds up failed and retried spend exactly', async () => {
    const data = await waste({ ch, projectId: project }, range);
    expect(data.failed_spend).toBe(0.003000001);
    expect(data.failed_requests).toBe(2);
    expect(data.retry_spend).toBe(2.202); // 0.002 + 0.000000000004 + 0.2 + 2 × 1, rounded to 1e-9
    expect(data.retry_requests).toBe(5);
  });

  it('counts repeats of a tool input within a trace beyond the first, from the newest copy of each span', async () => {
    // A: 2 repeats of (search, 11); B: 1; C: none; D: 1 (d2's newest copy repeats d3)
    for (const source of ['auto', 'raw'] as const) {
      const data = await waste({ ch, projectId: project, source }, range);
      expect(data.redundant_tool_calls).toEqual({ count: 4, traces: 3 });
    }
  });

  it('finds loops by the repeats of one step in a trace', async () => {
    const data = await waste({ ch, projectId: project }, range);
    expect(data.loops).toEqual([{ trace_id: 'L', name: 'agent.step', depth: 6, spend: 0.85 }]);
  });

  it('counts the repeats of the traces inside a range from the projection by hull (migration 0027)', async () => {
    const [largest] = await partRows(ch, 'spans_trace_tools');
    const params = {
      projectId: project,
      part: largest!.part,
      ...rangeParams({ fromMs: Date.parse(range.from), toMs: Date.parse(range.to) }),
    };
    const read = (settings: Record<string, number>) =>
      queryRows(ch, INSIDE_REPEATS, { tag: 'test', params, settings: { ...INSIDE_SETTINGS, ...settings } });
    // fails if the statement's expressions no longer match the projection's
    const fromProjection = await read({ force_optimize_projection: 1 });
    expect(fromProjection).toEqual(await read({ optimize_use_projections: 0 }));
    // A, B and D of the first load (each span id one copy there): 2 + 1 + 1
    expect(fromProjection).toEqual([{ count: '4', traces: '3', several: '0' }]);
  });

  it('lists the traces a bound cuts from the projection by last hour (migration 0027)', async () => {
    const [largest] = await partRows(ch, 'spans_trace_tools');
    // the tool spans of A to D are at 12:00 on March 10th: a range from 12:30 cuts them
    const params = {
      projectId: project,
      part: largest!.part,
      ...rangeParams({ fromMs: Date.parse('2026-03-10T12:30:00Z'), toMs: Date.parse(range.to) }),
    };
    const read = (settings: Record<string, number>) =>
      queryRows<{ trace_id: string }>(ch, `${CUT_HERE} ORDER BY trace_id`, { tag: 'test', params, settings });
    const fromProjection = await read({});
    expect(fromProjection).toEqual(await read({ optimize_use_projections: 0 }));
    expect(fromProjection.map((row) => row.trace_id)).toEqual(['A', 'B', 'C', 'D']);
  });

  it('reads the cut traces of a part of many traces from the projection by last hour', async () => {
    // 40,000 traces with a tool span each, one a minute: a part of five granules sorted by trace id
    // (random, as SDKs send them: every granule holds every hour), where the projection holds the
    // hours next to the bounds together
    const many = 'p-waste-many';
    const t = at('2026-03-01T00:00:00Z');
    await insert(
      ch,
      'spans',
      Array.from({ length: 40_000 }, (_, k) =>
        span(many, { timestamp: t + k * 60_000, trace_id: `${((k * 2654435761) >>> 0).toString(16)}-${k}`, tool_name: 'search' }),
      ),
    );
    const [largest] = await partRows(ch, 'spans_trace_tools');
    const params = {
      projectId: many,
      part: largest!.part,
      ...rangeParams({ fromMs: Date.parse('2026-03-05T10:30:00Z'), toMs: Date.parse('2026-03-09T07:30:00Z') }),
    };
    const plan = await queryRows<{ explain: string }>(ch, `EXPLAIN ${CUT_HERE}`, { tag: 'test', params });
    expect(plan.map((line) => line.explain.trim())).toContain('ReadFromMergeTree (by_last_hour)');
    // the hours 10:00 and 07:00 each hold 60 traces
    expect(await queryRows(ch, CUT_HERE, { tag: 'test', params })).toHaveLength(120);
  });

  it('counts the repeats again when a merge replaces the largest part while it reads', async () => {
    // one part, listed; before the inside count reads it, another project's span comes in and a merge
    // takes both parts into a new one
    await command(ch, 'OPTIMIZE TABLE spans_trace_tools FINAL', { tag: 'test' });
    expect(await partRows(ch, 'spans_trace_tools')).toHaveLength(1);
    const expected = (await waste({ ch, projectId: project, source: 'raw' }, range)).redundant_tool_calls;
    expect(expected.count).toBeGreaterThan(0);
    const query = ch.client.query.bind(ch.client);
    let merged = false;
    ch.client.query = (async (params: Parameters<typeof query>[0]) => {
      if (!merged && params.clickhouse_settings?.log_comment === 'analyses.waste.redundant_tools') {
        merged = true;
        await insert(ch, 'spans', [span('p-waste-late', { timestamp: at('2026-03-10T12:00:00Z'), trace_id: 'late', tool_name: 'search' })]);
        await command(ch, 'OPTIMIZE TABLE spans_trace_tools FINAL', { tag: 'test' });
      }
      return query(params);
    }) as typeof ch.client.query;
    try {
      expect((await waste({ ch, projectId: project }, range)).redundant_tool_calls).toEqual(expected);
    } finally {
      ch.client.query = query;
    }
    expect(merged).toBe(true);
  });

  it('picks the deepest loops from a floor of depth when enough traces are that deep, as over raw calls', async () => {
    // 160 traces 8 to 11 steps deep (the floor of 8 holds the 150 rows the pick wants) and 40 shallower
    const deep = 'p-waste-deep';
    const t = at('2026-03-12T08:00:00Z');
    const traces = Array.from({ length: 200 }, (_, k) =>
      Array.from({ length: k < 160 ? 8 + (k % 4) : 5 + (k % 3) }, (_, i) =>
        call(deep, { timestamp: t + k * 60_000 + i * 1_000, trace_id: `deep-${k}`, name: 'agent.step', cost_total: `0.00${(k % 7) + 1}` }),
      ),
    );
    await insert(ch, 'calls', traces.flat());
    const data = await waste({ ch, projectId: deep }, range);
    expect(data.loops).toHaveLength(50);
    expect(data.loops[0]!.depth).toBe(11);
    expect(data.loops).toEqual((await waste({ ch, projectId: deep, source: 'raw' }, range)).loops);
  });
});
