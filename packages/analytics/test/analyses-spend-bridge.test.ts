import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouse } from '@margin/clickhouse';
import { Dec } from '../src/analyses/money.ts';
import { spendBridge, type SpendBridgeData } from '../src/analyses/spend-bridge.ts';
import { at, call, insert, openStore } from './analyses-helpers.ts';

const FEB = at('2026-02-10T12:00:00Z');
const MAR = at('2026-03-10T12:00:00Z');

/** `count` calls of a user in a month, each of `tokens` tokens (input) and `cost` USD. */
const calls = (project: string, timestamp: number, user: string, count: number, tokens: number, cost: string) =>
  Array.from({ length: count }, () => call(project, { timestamp, user_id: user, input_tokens: tokens, cost_total: cost }));

const sumOfParts = (data: SpendBridgeData) => Object.values(data.parts).reduce((s, p) => s.plus(String(p)), new Dec(0));

/** The Shapley value again, the slow way: the mean over all 24 orders of the marginal change. */
function shapleyByOrders(before: number[], after: number[]): number[] {
  const product = (v: Dec[]) => v.reduce((a, b) => a.times(b), new Dec(1)).div(1_000_000);
  const orders: number[][] = [];
  const permute = (rest: number[], acc: number[]) => (rest.length ? rest.forEach((x, i) => permute([...rest.slice(0, i), ...rest.slice(i + 1)], [...acc, x])) : orders.push(acc));
  permute([0, 1, 2, 3], []);
  const parts = [0, 1, 2, 3].map(() => new Dec(0));
  for (const order of orders) {
    const current = before.map((v) => new Dec(String(v)));
    for (const f of order) {
      const was = product(current);
      current[f] = new Dec(String(after[f]));
      parts[f] = parts[f]!.plus(product(current).minus(was));
    }
  }
  return parts.map((p) => p.div(orders.length).toNumber());
}

describe('spend bridge analysis', () => {
  let ch: ClickHouse;
  beforeAll(async () => {
    ch = await openStore();
    await insert(ch, 'calls', [
      // general: Feb 2 users, 4 calls (one without user), 100 tokens, 0.001 each; Mar 3 users × 3 calls, 200 tokens, 0.003 each
      ...calls('general', FEB, 'u1', 2, 100, '0.001'),
      ...calls('general', FEB, 'u2', 1, 100, '0.001'),
      ...calls('general', FEB, '', 1, 100, '0.001'),
      ...['u1', 'u2', 'u3'].flatMap((u) => calls('general', MAR, u, 3, 200, '0.003')),
      // users only: 2 → 4 users, each 2 calls of 100 tokens at 0.001
      ...['u1', 'u2'].flatMap((u) => calls('users', FEB, u, 2, 100, '0.001')),
      ...['u1', 'u2', 'u3', 'u4'].flatMap((u) => calls('users', MAR, u, 2, 100, '0.001')),
      // price only: the same calls at twice the cost
      ...['u1', 'u2'].flatMap((u) => calls('price', FEB, u, 2, 100, '0.001')),
      ...['u1', 'u2'].flatMap((u) => calls('price', MAR, u, 2, 100, '0.002')),
      // awkward numbers: thirds and sevenths everywhere
      ...calls('odd', FEB, 'u1', 3, 411, '0.004115226300'),
      ...calls('odd', FEB, 'u2', 4, 137, '0.000000000001'),
      ...calls('odd', FEB, 'u3', 0, 1, '0'),
      ...calls('odd', MAR, 'u1', 5, 617, '0.019753086421'),
      ...calls('odd', MAR, 'u5', 6, 33, '0.000000000007'),
      ...calls('odd', MAR, 'u7', 1, 1, '0.3'),
      // no previous month at all
      ...calls('new', MAR, 'u1', 4, 250, '0.002'),
      // previous month without user ids
      ...calls('anon', FEB, '', 5, 100, '0.001'),
      ...calls('anon', MAR, 'u1', 5, 100, '0.001'),
    ]);
  });
  afterAll(async () => ch.close());

  it('decomposes both months and splits the change over the four factors (Shapley)', async () => {
    const data = await spendBridge({ ch, projectId: 'general' }, { month: '2026-03' });
    expect(data.previous).toEqual({ month: '2026-02', spend: 0.004, users: 2, requests: 4, tokens: 400, requests_per_user: 2, tokens_per_request: 100, usd_per_million_tokens: 10 });
    expect(data.current).toEqual({ month: '2026-03', spend: 0.027, users: 3, requests: 9, tokens: 1800, requests_per_user: 3, tokens_per_request: 200, usd_per_million_tokens: 15 });
    expect(data.change).toBe(0.023);
    const expected = shapleyByOrders([2, 2, 100, 10], [3, 3, 200, 15]);
    const parts = [data.parts.users, data.parts.requests_per_user, data.parts.tokens_per_request, data.parts.price];
    parts.forEach((part, i) => expect(Math.abs(part - expected[i]!)).toBeLessThanOrEqual(1e-9));
    expect(sumOfParts(data).toString()).toBe('0.023');
  });

  it('gives the whole change to the one factor that changed', async () => {
    const users = await spendBridge({ ch, projectId: 'users' }, { month: '2026-03' });
    expect(users.change).toBe(0.004);
    expect(users.parts).toEqual({ users: 0.004, requests_per_user: 0, tokens_per_request: 0, price: 0 });
    const price = await spendBridge({ ch, projectId: 'price' }, { month: '2026-03' });
    expect(price.change).toBe(0.004);
    expect(price.parts).toEqual({ users: 0, requests_per_user: 0, tokens_per_request: 0, price: 0.004 });
  });

  it('makes the rounded parts add up to the rounded change exactly', async () => {
    const data = await spendBridge({ ch, projectId: 'odd' }, { month: '2026-03' });
    // Feb 0.012345678904, Mar 0.398765432147: the change rounds to 0.386419753
    expect(data.change).toBe(0.386419753);
    expect(sumOfParts(data).equals(new Dec(String(data.change)))).toBe(true);
  });

  it('splits growth from nothing evenly over the factors', async () => {
    const data = await spendBridge({ ch, projectId: 'new' }, { month: '2026-03' });
    expect(data.previous).toMatchObject({ spend: 0, users: 0, requests_per_user: null, tokens_per_request: null, usd_per_million_tokens: null });
    expect(data.change).toBe(0.008);
    expect(data.parts).toEqual({ users: 0.002, requests_per_user: 0.002, tokens_per_request: 0.002, price: 0.002 });
  });

  it('still adds up when a month has calls but no users', async () => {
    const data = await spendBridge({ ch, projectId: 'anon' }, { month: '2026-03' });
    expect(data.previous).toMatchObject({ spend: 0.005, users: 0, requests_per_user: null });
    expect(data.change).toBe(0);
    expect(sumOfParts(data).isZero()).toBe(true);
    // Tokens per request and price did not change; users and requests per user (undefined in Feb) share the rest.
    expect(data.parts.tokens_per_request).toBe(0);
    expect(data.parts.price).toBe(0);
    expect(data.parts.users).toBe(-data.parts.requests_per_user);
  });
});
