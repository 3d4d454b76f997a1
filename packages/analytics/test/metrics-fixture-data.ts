// A small, hand-computed set of calls for the metrics tests (values worked out in metrics.test.ts).
import type { CallRow } from '@margin/core';
import { at, call } from './metrics-fixtures.ts';

/** Day 1 of January 2026, UTC: the range every test asks about. */
export const RANGE = { from: at(1, 0), to: at(2, 0) };

/** First copies, later replaced: c1 in another hour, model and cost; c3 resent unchanged. */
export function firstCopies(): CallRow[] {
  return [
    call({ id: 'c1', timestamp: at(1, 9, 30), model: 'gpt-4o', cost_total: '5', input_tokens: 99, user_id: 'u9', session_id: 's9' }),
  ];
}

export function finalCopies(): CallRow[] {
  return [
    call({
      id: 'c1', timestamp: at(1, 10, 15), model: 'gpt-4o-mini', provider: 'openai', name: 'chat', user_id: 'u1', session_id: 's1',
      tags: ['a'], input_tokens: 1000, output_tokens: 200, cache_read_tokens: 400, cost_total: '0.1', input_price: '0.15',
      cache_read_price: '0.075', duration_ms: 100, trace_id: 't1', user_input_tokens: 100, system_tokens: 600, history_tokens: 300,
    }),
    call({
      id: 'c2', timestamp: at(1, 11), model: 'gpt-4o', provider: 'openai', name: 'chat', user_id: 'u1', session_id: 's2',
      tags: ['a', 'b'], input_tokens: 2000, output_tokens: 500, reasoning_tokens: 100, cost_total: '0.2', duration_ms: 300,
      trace_id: 't1', status: 'error', error_message: 'boom',
    }),
    call({
      id: 'c3', timestamp: at(1, 12, 59), model: 'claude-3-5-sonnet', provider: 'anthropic', name: 'summarize', user_id: 'u2',
      environment: 'staging', input_tokens: 3000, output_tokens: 300, reasoning_tokens: 150, cache_read_tokens: 1000,
      cost_total: '0.000000001', input_price: '3', cache_read_price: '0.3', duration_ms: 200, trace_id: '', batch: true,
      user_input_tokens: 500,
    }),
    call({
      id: 'c4', timestamp: at(1, 13), model: 'gpt-4o-mini', provider: 'openai', name: 'summarize', session_id: 's1', tags: ['b'],
      duration_ms: 400, status: 'error', attempt: 2, trace_id: 't2',
    }),
    // outside: another project, and exactly at `to`
    call({ id: 'c5', project_id: 'p2', timestamp: at(1, 10), cost_total: '7', input_tokens: 5 }),
    call({ id: 'c6', timestamp: at(2, 0), cost_total: '11', input_tokens: 5, user_id: 'u3' }),
  ];
}
