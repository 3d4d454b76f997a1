// Events become rows: defaults, durations, content storage, hashes and prices.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createPricer, cutContent, hashInput, parseEvent, toRows, type NormaliseContext, type TEvent } from '../src/index.ts';

const ctx = (over: Partial<NormaliseContext> = {}): NormaliseContext => ({
  projectId: 'proj-1',
  retentionDays: 30,
  storeContent: false,
  now: 1_750_000_000_000,
  pricer: createPricer({ projectPrices: [] }),
  ...over,
});

/** Events through the real validator, as the handler does. */
const valid = (...raws: Record<string, unknown>[]): TEvent[] =>
  raws.map((raw) => {
    const result = parseEvent(raw);
    if (!result.ok) throw new Error(result.message);
    return result.event;
  });

describe('generation → CallRow', () => {
  it('applies the defaults of a bare call: its own trace, production, attempt 1, ok, no anatomy', () => {
    const [row] = toRows(valid({ id: 'g1', type: 'generation', timestamp: 1_740_000_000_000 }), ctx()).calls;
    expect(row).toMatchObject({
      project_id: 'proj-1',
      id: 'g1',
      timestamp: 1_740_000_000_000,
      trace_id: 'g1',
      parent_id: '',
      environment: 'production',
      attempt: 1,
      status: 'ok',
      batch: false,
      duration_ms: 0,
      ttft_ms: null,
      input_tokens: 0,
      user_input_tokens: null,
      system_tokens: 0,
      price_source: 'unknown',
      retention_days: 30,
      version: 1_750_000_000_000,
    });
  });

  it('carries every field, prices the call and takes duration from start and end', () => {
    const [row] = toRows(
      valid({
        id: 'g2',
        type: 'generation',
        timestamp: '2025-03-01T12:00:00Z',
        trace_id: 't1',
        parent_id: 's1',
        name: 'screening.rubric',
        user_id: 'u1',
        session_id: 'sess1',
        environment: 'staging',
        tags: ['a', 'b'],
        metadata: { team: 'hiring' },
        provider: 'openai',
        model: 'gpt-4o-mini-2024-07-18',
        start_time: '2025-03-01T12:00:00.000Z',
        end_time: '2025-03-01T12:00:01.250Z',
        ttft_ms: 300,
        status: 'error',
        error_message: 'timeout',
        attempt: 2,
        usage: { input_tokens: 1000, output_tokens: 500, cache_read_tokens: 200, reasoning_tokens: 100 },
        prompt_anatomy: {
          system_tokens: 300,
          tool_definition_tokens: 100,
          retrieval_tokens: 200,
          history_tokens: 150,
          tool_result_tokens: 50,
          user_input_tokens: 120,
        },
        input: 'prompt',
        output: 'answer',
      }),
      ctx(),
    ).calls;
    expect(row).toMatchObject({
      trace_id: 't1',
      parent_id: 's1',
      name: 'screening.rubric',
      user_id: 'u1',
      session_id: 'sess1',
      environment: 'staging',
      tags: ['a', 'b'],
      metadata: { team: 'hiring' },
      status: 'error',
      error_message: 'timeout',
      attempt: 2,
      duration_ms: 1250,
      ttft_ms: 300,
      input_tokens: 1000,
      output_tokens: 500,
      cache_read_tokens: 200,
      cache_write_tokens: 0,
      reasoning_tokens: 100,
      system_tokens: 300,
      tool_definition_tokens: 100,
      retrieval_tokens: 200,
      history_tokens: 150,
      tool_result_tokens: 50,
      user_input_tokens: 120,
      // 800 × 0.15 + 200 × 0.075 + 500 × 0.6, per 1M
      cost_total: '0.000435000000',
      price_source: 'catalog',
      // content storage is off
      input: '',
      output: '',
    });
  });

  it('prefers duration_ms to start and end, and takes a client cost as given', () => {
    const [row] = toRows(
      valid({
        id: 'g3',
        type: 'generation',
        timestamp: 1,
        start_time: 0,
        end_time: 5000,
        duration_ms: 42,
        model: 'gpt-4o-mini',
        cost: { total: '0.5' },
      }),
      ctx(),
    ).calls;
    expect(row).toMatchObject({ duration_ms: 42, cost_total: '0.500000000000', price_source: 'client' });
  });

  it('prices a batch call at the batch discount', () => {
    const [row] = toRows(
      valid({ id: 'g4', type: 'generation', timestamp: 1, model: 'gpt-4o-mini', batch: true, usage: { input_tokens: 1_000_000 } }),
      ctx(),
    ).calls;
    expect(row).toMatchObject({ batch: true, cost_input: '0.075000000000' });
  });

  it('keeps content only when the project stores it, cut at 32 KB', () => {
    const long = 'é'.repeat(20_000); // 40,000 bytes of UTF-8
    const events = valid({ id: 'g5', type: 'generation', timestamp: 1, input: long, output: 'ok' });
    const [kept] = toRows(events, ctx({ storeContent: true })).calls;
    expect(Buffer.byteLength(kept!.input, 'utf8')).toBe(32_768);
    expect(kept!.input).toBe('é'.repeat(16_384));
    expect(kept!.output).toBe('ok');
    const [dropped] = toRows(events, ctx({ storeContent: false })).calls;
    expect([dropped!.input, dropped!.output]).toEqual(['', '']);
  });
});

describe('span, trace and score rows', () => {
  it('hash a tool input as the first 8 bytes of its SHA-256, keeping the text only with content storage', () => {
    const events = valid({
      id: 's1',
      type: 'span',
      timestamp: 10,
      trace_id: 't1',
      kind: 'tool',
      tool_name: 'search',
      input: 'query=cheap flights',
      start_time: 10,
      end_time: 35,
    });
    const [span] = toRows(events, ctx()).spans;
    const expected = BigInt('0x' + createHash('sha256').update('query=cheap flights').digest('hex').slice(0, 16)).toString();
    expect(span).toMatchObject({
      id: 's1',
      trace_id: 't1',
      kind: 'tool',
      tool_name: 'search',
      duration_ms: 25,
      input_hash: expected,
      input: '',
      environment: 'production',
    });
    expect(toRows(events, ctx({ storeContent: true })).spans[0]!.input).toBe('query=cheap flights');
    // the same input hashes the same, another input differently; no input is "0"
    expect(hashInput('query=cheap flights')).toBe(expected);
    expect(hashInput('query=cheap flight')).not.toBe(expected);
    expect(toRows(valid({ id: 's2', type: 'span', timestamp: 1 }), ctx()).spans[0]).toMatchObject({
      input_hash: '0',
      kind: 'other',
      trace_id: 's2',
    });
  });

  it('map traces and scores', () => {
    const batch = toRows(
      valid(
        { id: 't1', type: 'trace', timestamp: 5, name: 'screen candidate', user_id: 'u', tags: ['x'], metadata: { k: 'v' } },
        { id: 'sc1', type: 'score', timestamp: 6, trace_id: 't1', observation_id: 'g1', name: 'quality', value: 0.8, comment: 'good' },
      ),
      ctx(),
    );
    expect(batch.traces).toEqual([
      {
        project_id: 'proj-1',
        id: 't1',
        timestamp: 5,
        name: 'screen candidate',
        user_id: 'u',
        session_id: '',
        environment: 'production',
        tags: ['x'],
        metadata: { k: 'v' },
        retention_days: 30,
        version: 1_750_000_000_000,
      },
    ]);
    expect(batch.scores).toEqual([
      {
        project_id: 'proj-1',
        id: 'sc1',
        timestamp: 6,
        trace_id: 't1',
        observation_id: 'g1',
        name: 'quality',
        value: 0.8,
        comment: 'good',
        retention_days: 30,
        version: 1_750_000_000_000,
      },
    ]);
    expect(batch.calls).toEqual([]);
  });
});

describe('cutContent', () => {
  it('never splits a character and leaves short text alone', () => {
    expect(cutContent('abc')).toBe('abc');
    expect(cutContent('a😀b', 3)).toBe('a');
    expect(cutContent('a😀b', 5)).toBe('a😀');
  });
});
