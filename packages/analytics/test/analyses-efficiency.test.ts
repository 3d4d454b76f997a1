import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouse } from '@margin/clickhouse';
import { efficiency } from '../src/analyses/efficiency.ts';
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
    ]);
    await insert(ch, 'scores', [
      score(project, { timestamp: t, trace_id: 'T1', observation_id: 'x1', value: 0.8 }), // x1 only
      score(project, { timestamp: t, trace_id: 'T1', value: 0.6 }), // the trace: a/m1 and b/m1
      score(project, { timestamp: t, trace_id: 'T2', value: 1.0 }),
      score(project, { timestamp: t, trace_id: 'T2', observation_id: 'span-1', value: 0.4 }), // not a call: the trace
      score(project, { timestamp: t, trace_id: 'x4', value: 0.5 }),
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
      { name: 'b', model: 'm1', requests: 1, scores: 1, mean_score: 0.6, tokens_per_request: 1000, score_per_1k_tokens: 0.6 },
      // scores 0.8, 0.6, 1.0, 0.4 over x1 (1,000 tokens) and x3 (2,000)
      { name: 'a', model: 'm1', requests: 2, scores: 4, mean_score: 0.7, tokens_per_request: 1500, score_per_1k_tokens: Number((0.7 / 1.5).toFixed(12)) },
    ]);
  });

  it('has no groups for a score nobody sent', async () => {
    const data = await efficiency({ ch, projectId: project }, { ...range, score: 'helpfulness' });
    expect(data.groups).toEqual([]);
  });
});
