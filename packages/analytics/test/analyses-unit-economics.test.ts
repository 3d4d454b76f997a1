import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouse } from '@margin/clickhouse';
import { unitEconomics } from '../src/analyses/unit-economics.ts';
import { at, call, insert, openStore } from './analyses-helpers.ts';

describe('unit economics analysis', () => {
  let ch: ClickHouse;
  beforeAll(async () => {
    ch = await openStore();
    await insert(ch, 'calls', [
      call('units', { timestamp: at('2026-03-02T00:00:00Z'), user_id: 'u1', cost_total: '0.01' }),
      call('units', { timestamp: at('2026-03-03T00:00:00Z'), user_id: 'u1', cost_total: '0.02' }),
      call('units', { timestamp: at('2026-03-04T00:00:00Z'), user_id: 'u2', cost_total: '0.03' }),
      call('units', { timestamp: at('2026-03-04T00:00:00Z'), user_id: '', cost_total: '0.5' }),
    ]);
  });
  afterAll(async () => ch.close());

  it('projects the observed cost per user to a month at 10, 10k and 1M users', async () => {
    const data = await unitEconomics({ ch, projectId: 'units' }, { from: '2026-03-01T00:00:00Z', to: '2026-03-31T00:00:00Z' });
    // (0.01 + 0.02 + 0.03) / 2 users over 30 days; a month is 30.436875 days
    expect(data).toEqual({
      users: 2,
      cost_per_user: 0.03,
      monthly_cost_per_user: 0.030436875,
      projection: [
        { users: 10, monthly_spend: 0.30436875 },
        { users: 10_000, monthly_spend: 304.36875 },
        { users: 1_000_000, monthly_spend: 30436.875 },
      ],
    });
  });

  it('has no cost per user without users', async () => {
    const data = await unitEconomics({ ch, projectId: 'nobody' }, { from: '2026-03-01T00:00:00Z', to: '2026-03-31T00:00:00Z' });
    expect(data.cost_per_user).toBeNull();
    expect(data.projection.map((p) => p.monthly_spend)).toEqual([null, null, null]);
  });
});
