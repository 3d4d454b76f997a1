// The demo generator: deterministic, exact in size, and showing every pattern the analyses look for.
import { createPricer, type CallRow, type RowBatch, type ScoreRow, type SpanRow, type TraceRow } from '@margin/core';
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEMO_MODELS, generateDemo, planDemo, type DemoOptions } from '../src/demo/index.ts';

const OPTIONS: DemoOptions = { projectId: 'proj_demo', calls: 40_000, months: 3, seed: 'test-seed', end: Date.UTC(2026, 10, 1), batchSize: 5_000 };
const DAY = 86_400_000;

async function collect(options: DemoOptions) {
  const all = { calls: [] as CallRow[], spans: [] as SpanRow[], traces: [] as TraceRow[], scores: [] as ScoreRow[], batches: [] as RowBatch[] };
  const hash = createHash('sha256');
  for await (const batch of generateDemo(options)) {
    hash.update(JSON.stringify(batch));
    all.batches.push(batch);
    all.calls.push(...batch.calls);
    all.spans.push(...batch.spans);
    all.traces.push(...batch.traces);
    all.scores.push(...batch.scores);
  }
  return { ...all, digest: hash.digest('hex') };
}

let demo: Awaited<ReturnType<typeof collect>>;
const tierOf = new Map(Object.values(DEMO_MODELS).map((m) => [m.model as string, m.tier as string]));
const usd = (value: string) => Number(value);

beforeAll(async () => {
  demo = await collect(OPTIONS);
});

describe('demo generator', () => {
  it('gives the same rows for the same seed and other rows for another seed', async () => {
    const again = await collect(OPTIONS);
    expect(again.digest).toBe(demo.digest);
    const other = await collect({ ...OPTIONS, seed: 'another-seed' });
    expect(other.digest).not.toBe(demo.digest);
    expect(other.calls.length).toBe(OPTIONS.calls);
  });

  it('makes exactly the calls asked for, streamed in chunks of about the batch size', () => {
    expect(demo.calls.length).toBe(OPTIONS.calls);
    expect(demo.batches.length).toBeGreaterThanOrEqual(OPTIONS.calls / OPTIONS.batchSize!);
    for (const batch of demo.batches) expect(batch.calls.length).toBeLessThan(OPTIONS.batchSize! + 200);
  });

  it('keeps every call inside the period and in a trace it also emits', () => {
    const plan = planDemo(OPTIONS);
    const start = plan.days[0]!.start;
    const traceIds = new Set(demo.traces.map((t) => t.id));
    // Counted, not asserted per row: 40,000 expects would make the test slow, not stricter.
    expect(demo.calls.filter((c) => c.timestamp < start || c.timestamp >= OPTIONS.end! + 3_600_000)).toEqual([]);
    expect(demo.calls.filter((c) => !traceIds.has(c.trace_id))).toEqual([]);
    expect(new Set(demo.scores.map((s) => s.trace_id)).size).toBeGreaterThan(100);
    for (const score of demo.scores) expect(traceIds.has(score.trace_id)).toBe(true);
  });

  it('uses random 128-bit ids for calls and traces', () => {
    const ids = demo.calls.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(demo.traces.map((t) => t.id)).size).toBe(demo.traces.length);
    for (const id of [...ids.slice(0, 1000), ...demo.traces.slice(0, 1000).map((t) => t.id)]) expect(id).toMatch(/^[0-9a-f]{32}$/);
    // Every hex digit at every position about equally often: no counter or timestamp inside.
    for (const position of [0, 7, 15, 31]) {
      const counts = new Map<string, number>();
      for (const id of ids) counts.set(id[position]!, (counts.get(id[position]!) ?? 0) + 1);
      expect(counts.size).toBe(16);
      for (const n of counts.values()) expect(Math.abs(n / ids.length - 1 / 16)).toBeLessThan(0.01);
    }
  });

  it('spreads calls over the features, three tiers and two providers', () => {
    const names = new Set(demo.calls.map((c) => c.name));
    for (const name of ['support.answer', 'screening.rubric', 'search.rerank', 'agent.plan', 'agent.tool_call', 'summarise.thread', 'extract.invoice']) {
      expect(names.has(name)).toBe(true);
    }
    const tiers = new Set(demo.calls.map((c) => tierOf.get(c.model)));
    expect([...tiers].sort()).toEqual(['mid', 'premium', 'small']);
    expect(new Set(demo.calls.map((c) => c.provider))).toEqual(new Set(['openai', 'anthropic']));
  });

  it('prices every call with core pricer, to the last decimal place', () => {
    const pricer = createPricer({ projectPrices: [] });
    for (const call of demo.calls.filter((_, i) => i % 97 === 0)) {
      const cost = pricer.price({
        model: call.model,
        provider: call.provider,
        timestamp: call.timestamp,
        batch: call.batch,
        usage: { input_tokens: call.input_tokens, output_tokens: call.output_tokens, cache_read_tokens: call.cache_read_tokens, cache_write_tokens: call.cache_write_tokens },
      });
      expect(cost.price_source).toBe('catalog');
      const { cost_input, cost_output, cost_cache_read, cost_cache_write, cost_total, input_price, output_price, cache_read_price, cache_write_price } = call;
      expect({ cost_input, cost_output, cost_cache_read, cost_cache_write, cost_total, input_price, output_price, cache_read_price, cache_write_price, price_source: call.price_source }).toEqual(cost);
    }
    expect(demo.calls.filter((c) => c.input_tokens > 0).every((c) => usd(c.cost_total) > 0)).toBe(true);
  });

  it('has failed calls, some billed and some not, followed by retries', () => {
    const failed = demo.calls.filter((c) => c.status === 'error');
    expect(failed.length / demo.calls.length).toBeGreaterThan(0.005);
    expect(failed.some((c) => usd(c.cost_total) > 0)).toBe(true);
    expect(failed.some((c) => usd(c.cost_total) === 0 && c.input_tokens === 0)).toBe(true);
    for (const c of failed) expect(c.error_message).not.toBe('');
    const retries = demo.calls.filter((c) => c.attempt > 1);
    expect(retries.length).toBeGreaterThan(100);
    // A retry follows an earlier attempt of the same feature in the same trace.
    const byTrace = new Map<string, CallRow[]>();
    for (const c of demo.calls) byTrace.set(c.trace_id, [...(byTrace.get(c.trace_id) ?? []), c]);
    for (const retry of retries.slice(0, 200)) {
      expect(byTrace.get(retry.trace_id)!.some((c) => c.name === retry.name && c.attempt === retry.attempt - 1 && c.timestamp < retry.timestamp)).toBe(true);
    }
  });

  it('has agent traces with redundant tool calls: the same tool and input hash twice in a trace', () => {
    const tools = demo.spans.filter((s) => s.kind === 'tool');
    expect(tools.length).toBeGreaterThan(1000);
    const seen = new Map<string, number>();
    for (const s of tools) {
      expect(s.input_hash).toMatch(/^\d+$/);
      const key = `${s.trace_id}|${s.tool_name}|${s.input_hash}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    const redundantTraces = new Set([...seen].filter(([, n]) => n > 1).map(([key]) => key.split('|')[0]));
    expect(redundantTraces.size).toBeGreaterThan(20);
    // Loop depth is heavy-tailed: some agent traces hold ten or more tool calls.
    const depth = new Map<string, number>();
    for (const s of tools) depth.set(s.trace_id, (depth.get(s.trace_id) ?? 0) + 1);
    expect(Math.max(...depth.values())).toBeGreaterThanOrEqual(10);
  });

  it('reads prompts from cache on caching features, and leaves a repeated rubric uncached', () => {
    const cached = demo.calls.filter((c) => c.cache_read_tokens > 0);
    expect(cached.length / demo.calls.length).toBeGreaterThan(0.1);
    expect(new Set(cached.map((c) => c.name))).toEqual(new Set(['support.answer', 'agent.tool_call']));
    expect(demo.calls.some((c) => c.cache_write_tokens > 0 && c.provider === 'anthropic')).toBe(true);
    const rubric = demo.calls.filter((c) => c.name === 'screening.rubric');
    expect(rubric.every((c) => c.cache_read_tokens === 0)).toBe(true);
    expect(rubric.filter((c) => c.user_input_tokens !== null).every((c) => c.system_tokens > 2500)).toBe(true);
  });

  it('reports prompt anatomy whose parts never exceed the input, except where an SDK sends none', () => {
    const parts = (c: CallRow) =>
      c.system_tokens + c.tool_definition_tokens + c.retrieval_tokens + c.history_tokens + c.tool_result_tokens + (c.user_input_tokens ?? 0);
    expect(demo.calls.filter((c) => parts(c) > c.input_tokens)).toEqual([]);
    expect(demo.calls.filter((c) => c.cache_read_tokens + c.cache_write_tokens > c.input_tokens)).toEqual([]);
    expect(demo.calls.some((c) => c.user_input_tokens === null && c.input_tokens > 0)).toBe(true);
    expect(demo.calls.filter((c) => c.history_tokens > 0).length).toBeGreaterThan(1000);
    expect(demo.calls.filter((c) => c.tool_result_tokens > 0).length).toBeGreaterThan(1000);
  });

  it('has reasoning tokens on the premium reasoning model only, and batch calls on the offline feature only', () => {
    const reasoning = demo.calls.filter((c) => c.reasoning_tokens > 0);
    expect(reasoning.length).toBeGreaterThan(100);
    for (const c of reasoning) {
      expect(tierOf.get(c.model)).toBe('premium');
      expect(c.reasoning_tokens).toBeLessThanOrEqual(c.output_tokens);
    }
    const batch = demo.calls.filter((c) => c.batch);
    expect(batch.length).toBeGreaterThan(1000);
    expect(new Set(batch.map((c) => c.name))).toEqual(new Set(['extract.invoice']));
    expect(batch.every((c) => c.ttft_ms === null && c.user_id === '')).toBe(true);
  });

  it('has heavy-tailed users grouped in sessions', () => {
    const perUser = new Map<string, number>();
    for (const c of demo.calls) if (c.user_id) perUser.set(c.user_id, (perUser.get(c.user_id) ?? 0) + 1);
    const counts = [...perUser.values()].sort((a, b) => b - a);
    const top = counts.slice(0, Math.ceil(counts.length / 100)).reduce((s, n) => s + n, 0);
    const total = counts.reduce((s, n) => s + n, 0);
    expect(top / total).toBeGreaterThan(0.1); // the top 1% of users make over 10% of calls
    expect(counts[counts.length - 1]).toBeLessThan(5);
    const sessions = new Set(demo.calls.filter((c) => c.session_id).map((c) => c.session_id));
    expect(sessions.size).toBeGreaterThan(100);
    expect(sessions.size).toBeLessThan(demo.traces.length / 1.5);
  });

  it('follows a weekday pattern and grows over the months', () => {
    const plan = planDemo(OPTIONS);
    const full = plan.days.filter((d) => d.hours === 24);
    const weekday = full.filter((d) => ![0, 6].includes(new Date(d.start).getUTCDay()));
    const weekend = full.filter((d) => [0, 6].includes(new Date(d.start).getUTCDay()));
    const mean = (days: typeof full) => days.reduce((s, d) => s + d.calls, 0) / days.length;
    expect(mean(weekday)).toBeGreaterThan(2 * mean(weekend));
    const perDay = new Map<number, number>();
    for (const c of demo.calls) perDay.set(Math.floor(c.timestamp / DAY), (perDay.get(Math.floor(c.timestamp / DAY)) ?? 0) + 1);
    const firstMonth = full.slice(0, 28).reduce((s, d) => s + (perDay.get(d.start / DAY) ?? 0), 0);
    const lastMonth = full.slice(-28).reduce((s, d) => s + (perDay.get(d.start / DAY) ?? 0), 0);
    expect(lastMonth).toBeGreaterThan(1.15 * firstMonth);
  });

  it('has a cost spike on one day: support.answer on the premium model', () => {
    const { spikeDay } = planDemo(OPTIONS);
    const spend = new Map<number, number>();
    for (const c of demo.calls) spend.set(Math.floor(c.timestamp / DAY), (spend.get(Math.floor(c.timestamp / DAY)) ?? 0) + usd(c.cost_total));
    const day = spikeDay.start / DAY;
    // Against the same weekday a week before and after, and the days either side.
    for (const other of [day - 7, day + 7, day - 1, day + 1]) expect(spend.get(day)!).toBeGreaterThan(1.3 * spend.get(other)!);
    const supportTiers = (d: number) => new Set(demo.calls.filter((c) => c.name === 'support.answer' && Math.floor(c.timestamp / DAY) === d).map((c) => tierOf.get(c.model)));
    expect(supportTiers(day)).toEqual(new Set(['premium']));
    expect(supportTiers(day + 7).has('mid')).toBe(true);
  });
});
