import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouse } from '@margin/clickhouse';
import { handleAnalysis, handleWhatIf } from '../src/api/analyses.ts';
import { at, call, insert, openStore } from './analyses-helpers.ts';

const qs = (params: Record<string, string>) => new URLSearchParams(params);
const range = { from: '2026-03-01T00:00:00Z', to: '2026-04-01T00:00:00Z' };

describe('analyses API', () => {
  let ch: ClickHouse;
  const ctx = () => ({ ch, projectId: 'p-api' });
  beforeAll(async () => {
    ch = await openStore();
    await insert(ch, 'calls', [
      call('p-api', { timestamp: at('2026-03-02T00:00:00Z'), user_id: 'u1', model: 'gpt-4o', input_price: '2.5', output_price: '10', input_tokens: 1000, cost_total: '0.0025' }),
      call('p-api', { timestamp: at('2026-02-02T00:00:00Z'), user_id: 'u1', model: 'gpt-4o', input_price: '2.5', output_price: '10', input_tokens: 1000, cost_total: '0.0025' }),
    ]);
  });
  afterAll(async () => ch.close());

  it('answers every analysis by name as {"data": ...}', async () => {
    const cases: [string, Record<string, string>][] = [
      ['spend-bridge', { month: '2026-03' }],
      ['model-mix', range],
      ['prompt-anatomy', { ...range, group_by: 'model' }],
      ['cache', range],
      ['waste', range],
      ['forecast', { month: '2026-03', as_of: '2026-03-15T00:00:00Z' }],
      ['unit-economics', range],
      ['efficiency', { ...range, score: 'quality' }],
    ];
    for (const [name, params] of cases) {
      const answer = await handleAnalysis(name, qs(params), ctx());
      expect(answer.status, name).toBe(200);
      expect(answer.body, name).toHaveProperty('data');
    }
    const mix = await handleAnalysis('model-mix', qs(range), ctx());
    expect(mix.body).toMatchObject({ data: { spend: 0.0025, models: [{ model: 'gpt-4o', tier: 'mid' }] } });
    const bridge = await handleAnalysis('spend-bridge', qs({ month: '2026-03' }), ctx());
    expect(bridge.body).toMatchObject({ data: { change: 0, parts: { users: 0, requests_per_user: 0, tokens_per_request: 0, price: 0 } } });
  });

  it('answers 400 naming an unknown analysis or parameter', async () => {
    const cases: [string, Record<string, string> | URLSearchParams, RegExp][] = [
      ['nope', range, /^nope: unknown analysis; one of spend-bridge, model-mix/],
      ['model-mix', { ...range, colour: 'red' }, /^colour: unknown parameter/],
      ['model-mix', { from: range.from }, /^to: required/],
      ['model-mix', { ...range, from: 'yesterday' }, /^from: not an RFC 3339 date-time/],
      ['model-mix', { from: range.to, to: range.from }, /^to: must be after from/],
      ['spend-bridge', { month: '2026-13' }, /^month: expected a month as YYYY-MM/],
      ['spend-bridge', {}, /^month: required/],
      ['prompt-anatomy', { ...range, group_by: 'user_id' }, /^group_by: expected name, model or name,model; got user_id/],
      ['efficiency', range, /^score: required/],
      ['forecast', { month: '2026-03', as_of: 'now' }, /^as_of: not an RFC 3339/],
      ['waste', new URLSearchParams([['from', range.from], ['from', range.from], ['to', range.to]]), /^from: given more than once/],
    ];
    for (const [name, params, message] of cases) {
      const answer = await handleAnalysis(name, params instanceof URLSearchParams ? params : qs(params), ctx());
      expect(answer.status, `${name} ${String(params)}`).toBe(400);
      expect(answer.body).toEqual({ error: { code: 'invalid_parameter', message: expect.stringMatching(message) } });
    }
  });

  it('answers a what-if and 400s that name the scenario field', async () => {
    const ok = await handleWhatIf({ ...range, scenario: { batch: { names: ['feature'] } } }, ctx());
    expect(ok).toEqual({ status: 200, body: { data: { baseline_spend: 0.0025, scenario_spend: 0.00125, savings: 0.00125, matching_requests: 1 } } });
    const cases: [unknown, RegExp][] = [
      ['[]', /^body: expected a JSON object/],
      [{ ...range, scenario: { route: { from_model: 'gpt-4o', to_model: 'gpt-4o-mini', share: 2 } } }, /^scenario\.route\.share: /],
      [{ ...range, scenario: { route: { from_model: 'gpt-4o', to_model: 'no-such-model-xyz', share: 1 } } }, /^scenario\.route\.to_model: no price is known for model no-such-model-xyz/],
      [{ ...range, scenario: { teleport: {} } }, /^scenario\.teleport: unknown parameter/],
      [{ ...range, scenario: { cache: { name: 'x', prefix_tokens: 1.5 } } }, /^scenario\.cache\.prefix_tokens: /],
      [{ ...range, scenario: {} }, /^scenario: expected exactly one of route, batch or cache/],
      [{ from: range.from, scenario: { batch: { names: ['a'] } } }, /^to: required/],
    ];
    for (const [body, message] of cases) {
      const answer = await handleWhatIf(body, ctx());
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body).toEqual({ error: { code: 'invalid_parameter', message: expect.stringMatching(message) } });
    }
  });
});
