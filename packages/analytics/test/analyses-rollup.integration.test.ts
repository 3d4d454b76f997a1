import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { command, queryRows, type ClickHouse } from '@margin/clickhouse';
import type { CallRow, SpanRow } from '@margin/core';
import { cacheAnalysis, efficiency, modelMix, promptAnatomy, waste, whatIf, type AnalysisContext } from '../src/analyses/index.ts';
import { agentLoops } from '../src/analyses/waste-loops.ts';
import { at, call, freshClickHouse, insertCalls } from './metrics-fixtures.ts';
import { random } from './metrics-rollup-data.ts';

// The analyses read whole hours from the rollups (calls_hourly, calls_hourly_mix) and must answer
// exactly what they answer over the deduplicated raw calls, with resent and changed ids loaded through
// the real loader (+1 and -1 rows in calls_delta) and the rollups left unmerged.
// call_keys too: the efficiency analysis must pick the newest of an id's rows there.
const ROLLUPS = ['calls_hourly', 'calls_hourly_mix', 'calls_trace_steps', 'calls_prompt_tokens', 'call_keys', 'spans_trace_tools'];

const rnd = random(11);
const pick = <T,>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;
const int = (max: number): number => Math.floor(rnd() * max);
const usd = (): string => `${int(3)}.${String(int(1e12)).padStart(12, '0')}`;

const MODELS = [
  { provider: 'openai', model: 'gpt-4o-mini', input_price: '0.15', output_price: '0.6', cache_read_price: '0.075', cache_write_price: '0.15' },
  { provider: 'openai', model: 'gpt-4o', input_price: '2.5', output_price: '10', cache_read_price: '1.25', cache_write_price: '2.5' },
  { provider: 'anthropic', model: 'claude-3-5-sonnet', input_price: '3', output_price: '15', cache_read_price: '0.3', cache_write_price: '3.75' },
] as const;
const NAMES = ['chat', 'summarize', 'screening.rubric'];

function randomValues(): Partial<CallRow> {
  const input = 1000 + int(4000);
  const system = rnd() < 0.3 ? 0 : 1024 + int(600);
  return {
    timestamp: at(1, 0) + int(2 * 24 * 60) * 60_000 + int(60_000),
    ...pick(MODELS),
    name: pick(NAMES),
    status: rnd() < 0.2 ? 'error' : 'ok',
    attempt: rnd() < 0.15 ? 2 : 1,
    batch: rnd() < 0.2,
    price_source: pick(['catalog', 'catalog', 'project', 'client', 'unknown'] as const),
    input_tokens: input,
    output_tokens: int(800),
    // now and then more cache tokens than input: the re-priced uncached part is clamped at 0
    cache_read_tokens: rnd() < 0.5 ? 0 : int(input + 300),
    cache_write_tokens: rnd() < 0.8 ? 0 : int(500),
    system_tokens: system,
    tool_definition_tokens: system ? int(200) : 0,
    retrieval_tokens: int(300),
    history_tokens: int(300),
    user_input_tokens: rnd() < 0.4 ? null : int(200),
    cost_total: usd(),
  };
}

/** A tool span: one of two tools on one of three inputs, so traces repeat some. */
function toolSpan(id: string, trace_id: string, timestamp: number, version = 1): SpanRow {
  return {
    project_id: 'p1', id, timestamp, trace_id, parent_id: '', name: 'tool', kind: 'tool', environment: 'production', status: 'ok',
    error_message: '', duration_ms: 10, tool_name: pick(['search', 'fetch']), input_hash: String(1 + int(3)), input: '', output: '',
    metadata: {}, retention_days: 0, version,
  };
}

describe('analyses from rollups equal the same analyses over raw calls, with resent and changed ids', () => {
  let ch: ClickHouse;
  const auto = (): AnalysisContext => ({ ch, projectId: 'p1' });
  const raw = (): AnalysisContext => ({ ch, projectId: 'p1', source: 'raw' });
  beforeAll(async () => {
    ch = await freshClickHouse('analyses-rollup');
    for (const table of ROLLUPS) await command(ch, `SYSTEM STOP MERGES ${table}`, { tag: 'test' });
    const first = Array.from({ length: 500 }, (_, i) => call({ id: `id-${i}`, trace_id: `t-${i % 60}`, ...randomValues() }));
    // The smallest input and prefix of one hour, later changed to large ones: a stale minimum in the rollup.
    const probe = { name: 'probe', ...MODELS[1], cache_read_tokens: 0, cache_write_tokens: 0, tool_definition_tokens: 0 };
    const smallest = call({ id: 'smallest', ...randomValues(), ...probe, timestamp: at(1, 10, 5), input_tokens: 1100, system_tokens: 1030 });
    const neighbour = call({ id: 'neighbour', ...randomValues(), ...probe, timestamp: at(1, 10, 7), input_tokens: 3000, system_tokens: 1300 });
    // Agent traces: 4 to 9 first attempts of one step within minutes (loops from 5), some at a range bound.
    const agents = Array.from({ length: 24 }, (_, t) => {
      const start = at(1, 0) + ((t * 7919) % (2 * 24 * 60)) * 60_000 + (t % 3 === 0 ? 17 * 60_000 : 0);
      return Array.from({ length: 4 + (t % 6) + 1 }, (_, k) =>
        call({ id: `agent-${t}-${k}`, ...randomValues(), trace_id: `agent-${t}`, name: k === 0 ? 'agent.plan' : 'agent.step', attempt: k % 4 === 3 ? 2 : 1, timestamp: start + k * 20_000 }),
      );
    }).flat();
    // Tool spans: 40 traces of 1-6 spans within minutes, some across a range bound or an hour, one
    // in the other project; then resent, changed (another tool or input) and older copies.
    const tools = Array.from({ length: 40 }, (_, t) => {
      // traces 3, 4 and 11 cross a bound of the ranges below (1 + t % 6 spans, 90 s apart); 5 is inside the one-hour range
      const bound: Record<number, number> = { 3: at(1, 5, 15), 4: at(1, 9, 57), 5: at(1, 10, 20), 11: at(2, 17, 38) };
      const start = bound[t] ?? at(1, 0) + ((t * 4099) % (2 * 24 * 60)) * 60_000;
      // trace 3 repeats one tool input, two of its spans before the ragged start and two after
      return Array.from({ length: 1 + (t % 6) }, (_, k) => ({
        ...toolSpan(`tool-${t}-${k}`, `tools-${t}`, start + k * 90_000),
        ...(t === 3 ? { tool_name: 'search', input_hash: '1' } : {}),
      }));
    }).flat();
    // An agent trace across the ragged start (05:17): two steps before it, six after.
    const edgeAgent = [5, 10, 20, 22, 24, 26, 28, 30].map((minute, k) =>
      call({ id: `edge-agent-${k}`, ...randomValues(), trace_id: 'edge-agent', name: 'agent.step', attempt: 1, timestamp: at(1, 5, minute) }),
    );
    // An agent trace loaded in two parts, three steps then two: a loop of exactly the least depth
    // only once its rows are summed (the unmerged traces' path must not drop it).
    const splitAgent = [0, 1, 2, 3, 4].map((k) =>
      call({ id: `split-agent-${k}`, ...randomValues(), trace_id: 'split-agent', name: 'agent.step', attempt: 1, timestamp: at(1, 14, 10 + k) }),
    );
    await insertCalls(ch, [...first, ...agents, ...edgeAgent, ...splitAgent.slice(0, 3), smallest, neighbour, call({ id: 'other', project_id: 'p2', ...randomValues() })], {
      spans: [...tools, { ...toolSpan('other-span', 'tools-1', at(1, 10, 21)), project_id: 'p2' }],
    });
    let spanVersion = 100;
    const changedSpan = (s: SpanRow): SpanRow => ({ ...toolSpan(s.id, s.trace_id, s.timestamp + 1_000, ++spanVersion) });
    await insertCalls(ch, [], {
      spans: [
        ...tools.filter((_, i) => i % 7 === 0), // resent as they were
        ...tools.filter((_, i) => i % 7 === 1).map(changedSpan),
        ...tools.filter((_, i) => i % 7 === 2).map((s) => ({ ...changedSpan(s), version: 0 })), // older: ignored
        // a trace only in this part, across the ragged start (05:17), one tool input four times
        ...[15, 18, 19, 20].map((minute, k) => ({ ...toolSpan(`late-${k}`, 'tools-late', at(1, 5, minute)), tool_name: 'search', input_hash: '1' })),
      ],
    });
    let version = Date.now();
    const second = [
      ...first.slice(0, 50), // the same copies again: a replay
      ...first.slice(50, 100).map((c) => call({ ...c, ...randomValues(), id: c.id, version: ++version })), // changed, often another hour or day
      ...first.slice(100, 120).map((c) => call({ ...c, cost_total: usd(), timestamp: c.timestamp + 3_600_000, id: c.id, version: ++version })), // the next hour
      ...first.slice(120, 140).map((c) => call({ ...c, id: c.id, version: ++version })), // newer copy, same values
      ...first.slice(140, 150).map((c) => ({ ...c, version: c.version - 1, cost_total: '99' })), // older copy: ignored
      call({ ...smallest, input_tokens: 4900, system_tokens: 1500, version: ++version }),
      // agent calls retried, renamed, moved to another trace, or to another hour
      ...agents.filter((_, i) => i % 5 === 1).map((c, i) => call({ ...c, version: ++version, ...[{ attempt: 2 }, { name: 'agent.other' }, { trace_id: 'agent-3' }, { timestamp: c.timestamp + 3_600_000 }][i % 4] })),
      ...splitAgent.slice(3),
    ];
    await insertCalls(ch, second);
    // Scores on a call (some of them changed ids), on a whole trace, and on a call that is not there,
    // loaded as the loader does (each score stores its call); some of the scored calls change after.
    const scores = Array.from({ length: 40 }, (_, i) => ({
      project_id: 'p1', id: `score-${i}`, timestamp: at(1, 12), trace_id: `t-${i % 60}`, name: 'quality', value: (i % 7) / 7,
      observation_id: i % 3 === 0 ? '' : i % 3 === 1 ? `id-${i + 40}` : 'missing', comment: '', retention_days: 0, version: 1,
    }));
    await insertCalls(ch, [], { scores });
    await insertCalls(ch, [
      ...second.slice(50, 70).map((c) => call({ ...c, ...randomValues(), id: c.id, version: c.version + 10_000 })),
      call({ id: 'twice', ...randomValues(), version: ++version + 50_000 }),
      call({ id: 'twice', ...randomValues(), version: ++version + 60_000 }),
    ]);
  });
  afterAll(async () => {
    await ch.close();
  });

  const iso = (ms: number) => new Date(ms).toISOString();
  const ranges = [
    { label: 'whole hours', range: { from: iso(at(1, 0)), to: iso(at(3, 0)) } },
    { label: 'ragged both ends', range: { from: iso(at(1, 5, 17) + 1), to: iso(at(2, 17, 42)) } },
    { label: 'within one hour', range: { from: iso(at(1, 10, 1)), to: iso(at(1, 10, 40)) } },
  ];

  it('holds -1 corrections and a corrected hour in calls_hourly_mix, so the comparisons test them', async () => {
    const [row] = await queryRows<{ negative: string; corrected: string }>(
      ch,
      'SELECT countIf(requests < 0) AS negative, countIf(corrections > 0) AS corrected FROM calls_hourly_mix',
      { tag: 'test' },
    );
    expect(Number(row!.negative)).toBeGreaterThan(0);
    expect(Number(row!.corrected)).toBeGreaterThan(0);
    // calls_trace_steps unmerged: traces with rows in several parts, and -1 rows
    const [steps] = await queryRows<{ parts: string; negative: string }>(
      ch,
      "SELECT uniqExact(_part) AS parts, countIf(arrayMin(mapValues(steps)) < 0 OR requests < 0) AS negative FROM calls_trace_steps WHERE project_id = 'p1'",
      { tag: 'test' },
    );
    expect(Number(steps!.parts)).toBeGreaterThan(1);
    expect(Number(steps!.negative)).toBeGreaterThan(0);
    // spans_trace_tools unmerged, with traces holding several copies of one span
    const [tools] = await queryRows<{ recopied: string }>(
      ch,
      `SELECT countIf(n_copies > n_ids) AS recopied
       FROM (SELECT trace_id, length(groupArrayArray(copies)) AS n_copies, length(arrayDistinct(arrayMap(x -> x.1, groupArrayArray(copies)))) AS n_ids
             FROM spans_trace_tools WHERE project_id = 'p1' GROUP BY trace_id)`,
      { tag: 'test' },
    );
    expect(Number(tools!.recopied)).toBeGreaterThan(0);
    const [parts] = await queryRows<{ parts: string }>(ch, "SELECT uniqExact(_part) AS parts FROM spans_trace_tools WHERE project_id = 'p1'", { tag: 'test' });
    expect(Number(parts!.parts)).toBeGreaterThan(1);
  });

  it('stores the call on scores loaded after it, and holds resolutions made stale by a later change', async () => {
    const [row] = await queryRows<{ resolved: string; stale: string }>(
      ch,
      `SELECT countIf(call_version != 0) AS resolved,
              countIf(call_version != 0 AND (sipHash64(observation_id), call_version) IN (SELECT id_hash, version FROM calls_replaced)) AS stale
       FROM scores FINAL WHERE project_id = 'p1'`,
      { tag: 'test' },
    );
    expect(Number(row!.resolved)).toBeGreaterThan(Number(row!.stale));
    expect(Number(row!.stale)).toBeGreaterThan(0);
  });

  for (const { label, range } of ranges) {
    it(`model-mix, ${label}`, async () => {
      const fromRollup = await modelMix(auto(), range);
      expect(fromRollup.models.length).toBeGreaterThan(0);
      expect(fromRollup).toEqual(await modelMix(raw(), range));
    });

    for (const group_by of [undefined, 'name', 'model', 'name,model']) {
      it(`prompt-anatomy by ${group_by ?? 'nothing'}, ${label}`, async () => {
        const params = { ...range, ...(group_by ? { group_by } : {}) };
        const fromRollup = await promptAnatomy(auto(), params);
        expect(fromRollup.groups.length).toBeGreaterThan(0);
        expect(fromRollup).toEqual(await promptAnatomy(raw(), params));
      });
    }

    it(`cache, ${label}`, async () => {
      const fromRollup = await cacheAnalysis(auto(), range);
      expect(fromRollup).toEqual(await cacheAnalysis(raw(), range));
    });

    it(`waste, ${label}`, async () => {
      const fromRollup = await waste(auto(), range);
      expect(fromRollup.failed_requests + fromRollup.retry_requests).toBeGreaterThan(0);
      if (label !== 'within one hour') expect(fromRollup.loops.length).toBeGreaterThan(0);
      expect(fromRollup.redundant_tool_calls.count).toBeGreaterThan(0);
      // the traces across the ragged start count only their calls and spans after it
      if (label === 'ragged both ends') expect(fromRollup.loops.find((loop) => loop.trace_id === 'edge-agent')?.depth).toBe(6);
      if (label !== 'within one hour') expect(fromRollup.loops.find((loop) => loop.trace_id === 'split-agent')?.depth).toBe(5);
      expect(fromRollup).toEqual(await waste(raw(), range));
      // the other path: every trace with rows outside the largest part merged in one statement
      const bounds = { from: Date.parse(range.from), to: Date.parse(range.to) };
      expect(await agentLoops(auto(), bounds, 0)).toEqual(fromRollup.loops);
    });

    it(`efficiency, ${label}`, async () => {
      const params = { ...range, score: 'quality' };
      const fromRollup = await efficiency(auto(), params);
      if (label !== 'within one hour') expect(fromRollup.groups.length).toBeGreaterThan(0);
      expect(fromRollup).toEqual(await efficiency(raw(), params));
      // the scores left for the join read again instead of carried
      expect(await efficiency(auto(), params, 0)).toEqual(fromRollup);
    });

    const scenarios = [
      { route: { name: 'chat', from_model: 'gpt-4o', to_model: 'gpt-4o-mini', share: 0.3 } },
      { route: { from_model: 'claude-3-5-sonnet', to_model: 'gpt-4o', share: 1 } },
      { batch: { names: ['chat', 'summarize'] } },
      { cache: { name: 'screening.rubric', prefix_tokens: 1200 } },
    ];
    for (const scenario of scenarios) {
      it(`what-if ${Object.keys(scenario)[0]} ${JSON.stringify(Object.values(scenario)[0])}, ${label}`, async () => {
        const fromRollup = await whatIf(auto(), { ...range, scenario });
        expect(fromRollup.matching_requests).toBeGreaterThan(0);
        expect(fromRollup).toEqual(await whatIf(raw(), { ...range, scenario }));
      });
    }
  }

  it('cache opportunities see the changed copy, not the stale smallest one', async () => {
    const range = { from: new Date(at(1, 10)).toISOString(), to: new Date(at(1, 11)).toISOString() };
    const [row] = await queryRows<{ min_input: string }>(
      ch,
      "SELECT min(min_input_tokens) AS min_input FROM calls_hourly_mix WHERE project_id = 'p1' AND hour = toDateTime('2026-01-01 10:00:00', 'UTC') AND name = 'probe'",
      { tag: 'test' },
    );
    expect(Number(row!.min_input)).toBe(1100); // the rollup keeps the replaced copy's minimum ...
    const data = await cacheAnalysis(auto(), range); // ... the analysis does not use it
    expect(data.opportunities.find((o) => o.name === 'probe')).toMatchObject({ requests: 2, repeated_prefix_tokens: 1300 });
    expect(data).toEqual(await cacheAnalysis(raw(), range));
  });

  it('gives the same answers once every table is merged', async () => {
    const { range } = ranges[0]!;
    const before = await modelMix(auto(), range);
    for (const table of ['calls', ...ROLLUPS]) {
      if (table !== 'calls') await command(ch, `SYSTEM START MERGES ${table}`, { tag: 'test' });
      await command(ch, `OPTIMIZE TABLE ${table} FINAL`, { tag: 'test' });
    }
    expect(await modelMix(auto(), range)).toEqual(before);
    for (const { range: r } of ranges) expect(await waste(auto(), r)).toEqual(await waste(raw(), r));
    expect(await cacheAnalysis(auto(), range)).toEqual(await cacheAnalysis(raw(), range));
  });
});
