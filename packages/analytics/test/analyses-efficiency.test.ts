import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { command, queryRows, type ClickHouse } from '@margin/clickhouse';
import { replayMigrations } from './support/store.ts';
import { efficiency, traceHours } from '../src/analyses/efficiency.ts';
import { at, call, insert, openStore, score } from './analyses-helpers.ts';

describe('efficiency analysis', () => {
  let ch: ClickHouse;
  const project = 'p-eff';
  const range = { from: '2026-03-01T00:00:00Z', to: '2026-04-01T00:00:00Z' };
  const t = at('2026-03-03T10:00:00Z');
  beforeAll(async () => {
    ch = await openStore();
    await insert(ch, 'calls', [
      call(project, { id: 'x1', trace_id: 'T1', timestamp: t, name: 'a', model: 'm1', input_tokens: 1000 }),
      call(project, { id: 'x2', trace_id: 'T1', timestamp: t, name: 'b', model: 'm1', input_tokens: 500, output_tokens: 500 }),
      call(project, { id: 'x3', trace_id: 'T2', timestamp: t, name: 'a', model: 'm1', input_tokens: 1500, output_tokens: 500 }),
      call(project, { id: 'x4', timestamp: t, name: 'a', model: 'm2', input_tokens: 100 }), // a trace of its own
      call(project, { id: 'x5', trace_id: 'T3', timestamp: t, name: 'c', model: 'm1', input_tokens: 100 }), // never scored
      call(project, { id: 'x6', trace_id: 'T4', timestamp: t, name: 'd', model: 'm1', input_tokens: 300, output_tokens: 100 }),
      // T5: a call in the hour after t's, and one in t's hour
      call(project, { id: 'x7', trace_id: 'T5', timestamp: at('2026-03-03T11:10:00Z'), name: 'e', model: 'm1', input_tokens: 200 }),
      call(project, { id: 'x8', trace_id: 'T5', timestamp: at('2026-03-03T10:20:00Z'), name: 'f', model: 'm1', input_tokens: 50 }),
    ]);
    await insert(ch, 'scores', [
      score(project, { timestamp: t, trace_id: 'T1', observation_id: 'x1', value: 0.8 }), // x1 only
      score(project, { timestamp: t, trace_id: 'T1', value: 0.6 }), // the trace: a/m1 and b/m1
      score(project, { timestamp: t, trace_id: 'T2', value: 1.0 }),
      score(project, { timestamp: t, trace_id: 'T2', observation_id: 'span-1', value: 0.4 }), // not a call: the trace
      score(project, { timestamp: t, trace_id: 'x4', value: 0.5 }),
      score(project, { timestamp: t, trace_id: 'T1', observation_id: 'x6', value: 0.9 }), // a call of another trace: that call
      score(project, { timestamp: t, trace_id: 'T5', observation_id: 'x7', value: 0.3 }),
      score(project, { timestamp: t, trace_id: 'T1', name: 'toxicity', value: 0 }), // another score
      score('other', { timestamp: t, trace_id: 'T1', value: 0 }),
    ]);
  });
  afterAll(async () => ch.close());

  it('gives mean score, tokens per request and score per 1k tokens per feature and model', async () => {
    const data = await efficiency({ ch, projectId: project }, { ...range, score: 'quality' });
    expect(data.score).toBe('quality');
    const rows = data.groups.map((g) => ({ ...g, mean_score: Number(g.mean_score.toFixed(12)), score_per_1k_tokens: Number(g.score_per_1k_tokens!.toFixed(12)) }));
    expect(rows).toEqual([
      { name: 'a', model: 'm2', requests: 1, scores: 1, mean_score: 0.5, tokens_per_request: 100, score_per_1k_tokens: 5 },
      { name: 'd', model: 'm1', requests: 1, scores: 1, mean_score: 0.9, tokens_per_request: 400, score_per_1k_tokens: 2.25 },
      { name: 'e', model: 'm1', requests: 1, scores: 1, mean_score: 0.3, tokens_per_request: 200, score_per_1k_tokens: 1.5 },
      { name: 'b', model: 'm1', requests: 1, scores: 1, mean_score: 0.6, tokens_per_request: 1000, score_per_1k_tokens: 0.6 },
      // scores 0.8, 0.6, 1.0, 0.4 over x1 (1,000 tokens) and x3 (2,000)
      { name: 'a', model: 'm1', requests: 2, scores: 4, mean_score: 0.7, tokens_per_request: 1500, score_per_1k_tokens: Number((0.7 / 1.5).toFixed(12)) },
    ]);
  });

  // The same scores over ranges with ragged edges: a call in an edge hour is looked up in the raw
  // calls, and a score whose call is outside the range counts for its trace's calls in the range.
  it('finds a score\'s call in a ragged edge hour, and falls back to its trace when the call is outside the range', async () => {
    const rowsOf = async (from: string, to: string) =>
      (await efficiency({ ch, projectId: project }, { from, to, score: 'quality' })).groups
        .filter((g) => ['d', 'e', 'f'].includes(g.name))
        .map(({ name, scores, mean_score }) => ({ name, scores, mean_score }))
        .sort((x, y) => x.name.localeCompare(y.name));
    // whole hour 10:00-11:00, x7 in the ragged 11:00-11:30
    expect(await rowsOf('2026-03-03T09:30:00Z', '2026-03-03T11:30:00Z')).toEqual([
      { name: 'd', scores: 1, mean_score: 0.9 },
      { name: 'e', scores: 1, mean_score: 0.3 },
    ]);
    // x7 outside: the score counts for T5's call in the range, x8 (f)
    expect(await rowsOf('2026-03-03T09:30:00Z', '2026-03-03T11:05:00Z')).toEqual([
      { name: 'd', scores: 1, mean_score: 0.9 },
      { name: 'f', scores: 1, mean_score: 0.3 },
    ]);
    // x6 (a call of T4, its score on trace T1) in the ragged 10:00-10:30: found by its hour and id,
    // not taken for T1's calls; x7 outside again, so T5's x8 (f)
    expect(await rowsOf('2026-03-03T08:00:00Z', '2026-03-03T10:30:00Z')).toEqual([
      { name: 'd', scores: 1, mean_score: 0.9 },
      { name: 'f', scores: 1, mean_score: 0.3 },
    ]);
    // x7 outside and the range in whole hours: the same, by the other path
    expect(await rowsOf('2026-03-03T10:00:00Z', '2026-03-03T11:00:00Z')).toEqual([
      { name: 'd', scores: 1, mean_score: 0.9 },
      { name: 'f', scores: 1, mean_score: 0.3 },
    ]);
  });

  it('finds the trace of a score whose call is outside the range while the trace\'s rows are unmerged', async () => {
    // T6: a call on April 3rd, then (another load, merges of calls_trace_steps stopped) a scored call
    // on April 5th. Neither row's hours alone is cut by a range of April 3rd: only the trace is.
    await command(ch, 'SYSTEM STOP MERGES calls_trace_steps', { tag: 'test' });
    await insert(ch, 'calls', [call(project, { id: 'x9', trace_id: 'T6', timestamp: at('2026-04-03T10:30:00Z'), name: 'g', model: 'm1', input_tokens: 100 })]);
    await insert(ch, 'calls', [call(project, { id: 'x10', trace_id: 'T6', timestamp: at('2026-04-05T10:00:00Z'), name: 'h', model: 'm1', input_tokens: 100 })]);
    await insert(ch, 'scores', [score(project, { timestamp: at('2026-04-05T11:00:00Z'), trace_id: 'T6', observation_id: 'x10', value: 0.7 })]);
    const day = await efficiency({ ch, projectId: project }, { from: '2026-04-03T00:00:00Z', to: '2026-04-04T00:00:00Z', score: 'quality' });
    expect(day.groups.map(({ name, scores, mean_score }) => ({ name, scores, mean_score }))).toEqual([{ name: 'g', scores: 1, mean_score: 0.7 }]);
    const both = await efficiency({ ch, projectId: project }, { from: '2026-04-01T00:00:00Z', to: '2026-05-01T00:00:00Z', score: 'quality' });
    expect(both.groups.map(({ name, scores }) => ({ name, scores }))).toEqual([{ name: 'h', scores: 1 }]);
    await command(ch, 'SYSTEM START MERGES calls_trace_steps', { tag: 'test' });
  });

  // The carried scores' traces' calls are read within spans of hours: from the hourly traces rollup
  // over the range (short ranges) or from the traces' hulls (long ones). Either way every call of
  // those traces in the range lies in a span.
  it('bounds the carried traces by hours from either source, every call of theirs in the range inside a span', async () => {
    const traces = ['T1', 'T2', 'T5', 'x4', 'nope'];
    const ranges = [
      ['2026-03-03T09:30:00Z', '2026-03-03T11:30:00Z'],
      ['2026-03-03T10:15:00Z', '2026-03-03T11:15:00Z'],
      ['2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z'],
    ].map(([from, to]) => ({ from: at(from!), to: at(to!) }));
    for (const range of ranges) {
      const calls = (
        await queryRows<{ hour: number; ms: string; trace_key: string }>(
          ch,
          `SELECT toUInt32(toStartOfHour(timestamp)) AS hour, toUnixTimestamp64Milli(timestamp) AS ms, if(trace_id = '', id, trace_id) AS trace_key
           FROM calls FINAL WHERE project_id = {p:String}`,
          { tag: 'test', params: { p: project } },
        )
      ).filter((c) => Number(c.ms) >= range.from && Number(c.ms) < range.to && traces.includes(c.trace_key));
      expect(calls.length).toBeGreaterThan(0);
      for (const source of ['hourly', 'hulls'] as const) {
        const spans = (await traceHours({ ch, projectId: project }, range, traces, source)).map(({ lo, hi }) => [Number(lo), Number(hi)] as const);
        for (const { hour } of calls) expect(spans.some(([lo, hi]) => lo <= Number(hour) && Number(hour) <= hi), `${source} ${hour}`).toBe(true);
        if (source === 'hourly') for (const [lo, hi] of spans) expect(lo >= Math.floor(range.from / 3_600_000) * 3600 && hi * 1000 < range.to).toBe(true);
      }
    }
  });

  // A score whose call is before or after the range counts for its trace's calls in it, found in the
  // hours the longest hull (3 h here) reaches from the bounds: a window of one hour would miss them.
  it('counts a score whose call is hours before or after the range for its trace, its rows merged', async () => {
    const long = 'p-eff-long';
    await insert(ch, 'calls', [
      call(long, { id: 'l1', trace_id: 'L1', timestamp: at('2026-03-10T05:10:00Z'), name: 'in', model: 'm1', input_tokens: 100 }),
      call(long, { id: 'l2', trace_id: 'L1', timestamp: at('2026-03-10T08:10:00Z'), name: 'out', model: 'm1', input_tokens: 100 }),
      call(long, { id: 'l3', trace_id: 'L2', timestamp: at('2026-03-10T09:00:00Z'), name: 'later', model: 'm1', input_tokens: 100 }),
      call(long, { id: 'l4', trace_id: 'L3', timestamp: at('2026-03-11T01:10:00Z'), name: 'before', model: 'm1', input_tokens: 100 }),
      call(long, { id: 'l5', trace_id: 'L3', timestamp: at('2026-03-11T03:50:00Z'), name: 'in2', model: 'm1', input_tokens: 100 }),
    ]);
    await insert(ch, 'scores', [
      score(long, { timestamp: at('2026-03-10T08:20:00Z'), trace_id: 'L1', observation_id: 'l2', value: 0.5 }),
      score(long, { timestamp: at('2026-03-11T01:20:00Z'), trace_id: 'L3', observation_id: 'l4', value: 0.25 }),
    ]);
    // one part: no trace is taken for having rows outside the largest part
    await command(ch, 'OPTIMIZE TABLE calls_trace_steps FINAL', { tag: 'test' });
    const [parts] = await queryRows<{ n: string }>(ch, "SELECT count() AS n FROM system.parts WHERE database = currentDatabase() AND table = 'calls_trace_steps' AND active", { tag: 'test' });
    expect(parts!.n).toBe('1');
    const data = await efficiency({ ch, projectId: long }, { from: '2026-03-10T00:00:00Z', to: '2026-03-10T07:00:00Z', score: 'quality' });
    expect(data.groups.map(({ name, scores, mean_score }) => ({ name, scores, mean_score }))).toEqual([{ name: 'in', scores: 1, mean_score: 0.5 }]);
    // l1 in the range's last hour (whole or ragged), l2's hour exactly the longest hull after it: the
    // farthest a score's call can be from the range and still count for a trace inside it
    for (const to of ['2026-03-10T06:00:00Z', '2026-03-10T05:30:00Z']) {
      const edge = await efficiency({ ch, projectId: long }, { from: '2026-03-10T00:00:00Z', to, score: 'quality' });
      expect(edge.groups.map(({ name, scores }) => ({ name, scores })), to).toEqual([{ name: 'in', scores: 1 }]);
    }
    const after = await efficiency({ ch, projectId: long }, { from: '2026-03-11T02:00:00Z', to: '2026-03-11T12:00:00Z', score: 'quality' });
    expect(after.groups.map(({ name, scores, mean_score }) => ({ name, scores, mean_score }))).toEqual([{ name: 'in2', scores: 1, mean_score: 0.25 }]);
  });

  // The analysis reads scores FINAL without merging across partitions (migration 0025 keeps every
  // copy of a score in one): a score resent with a timestamp in another month is still one score.
  it('counts a score resent with a timestamp in another month once, at its newest value', async () => {
    const moved = 'p-eff-moved';
    await insert(ch, 'calls', [call(moved, { id: 'y1', trace_id: 'M1', timestamp: t, name: 'k', model: 'm1', input_tokens: 100 })]);
    await insert(ch, 'scores', [score(moved, { id: 'moved-1', timestamp: t, trace_id: 'M1', observation_id: 'y1', value: 0.2, version: 1 })]);
    await insert(ch, 'scores', [score(moved, { id: 'moved-1', timestamp: at('2026-02-27T09:00:00Z'), trace_id: 'M1', observation_id: 'y1', value: 0.6, version: 2 })]);
    const data = await efficiency({ ch, projectId: moved }, { ...range, score: 'quality' });
    expect(data.groups.map(({ name, scores, mean_score }) => ({ name, scores, mean_score }))).toEqual([{ name: 'k', scores: 1, mean_score: 0.6 }]);
  });

  it('migration 0025 keeps the newest copy of a score that was stored in two months', async () => {
    const moved = 'p-eff-0025';
    const before = await queryRows<{ n: string }>(ch, 'SELECT count() AS n FROM scores FINAL', { tag: 'test' });
    // scores as 0002 made them: partitioned by the month of their timestamp
    await command(ch, 'RENAME TABLE scores TO scores_next', { tag: 'test' });
    await command(ch, "CREATE TABLE scores AS scores_next ENGINE = ReplacingMergeTree(version) PARTITION BY toYYYYMM(timestamp) ORDER BY (project_id, trace_id, id)", { tag: 'test' });
    await command(ch, 'INSERT INTO scores SELECT * FROM scores_next', { tag: 'test' });
    await command(ch, 'DROP TABLE scores_next', { tag: 'test' });
    await insert(ch, 'calls', [call(moved, { id: 'z1', trace_id: 'N1', timestamp: t, name: 'n', model: 'm1', input_tokens: 100 })]);
    await insert(ch, 'scores', [score(moved, { id: 'n-1', timestamp: t, trace_id: 'N1', observation_id: 'z1', value: 0.2, version: 1 })]);
    await insert(ch, 'scores', [score(moved, { id: 'n-1', timestamp: at('2026-02-27T09:00:00Z'), trace_id: 'N1', observation_id: 'z1', value: 0.6, version: 2 })]);
    const scored = async () => (await efficiency({ ch, projectId: moved }, { ...range, score: 'quality' })).groups.map(({ name, scores, mean_score }) => ({ name, scores, mean_score }));
    // the two months' copies, each its partition's only part: both read, the score counted twice
    expect(await scored()).toEqual([{ name: 'n', scores: 2, mean_score: 0.4 }]);
    await replayMigrations(ch, '0025_scores_one_partition');
    expect(await scored()).toEqual([{ name: 'n', scores: 1, mean_score: 0.6 }]);
    const [table] = await queryRows<{ partition_key: string }>(ch, "SELECT partition_key FROM system.tables WHERE database = currentDatabase() AND name = 'scores'", { tag: 'test' });
    expect(table!.partition_key).toBe('tuple()');
    expect(await queryRows(ch, 'SELECT count() AS n FROM scores', { tag: 'test' })).toEqual([{ n: String(Number(before[0]!.n) + 1) }]);
  });

  it('has no groups for a score nobody sent', async () => {
    const data = await efficiency({ ch, projectId: project }, { ...range, score: 'helpfulness' });
    expect(data.groups).toEqual([]);
  });
});
