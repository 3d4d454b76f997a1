import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouse } from '@margin/clickhouse';
import { DASHBOARD_QUERIES } from '../src/metrics/index.ts';
import { finalCopies, RANGE } from './metrics-fixture-data.ts';
import { freshClickHouse, insertCalls } from './metrics-fixtures.ts';

describe('DASHBOARD_QUERIES', () => {
  let ch: ClickHouse;
  beforeAll(async () => {
    ch = await freshClickHouse('metrics-dashboard');
    await insertCalls(ch, finalCopies());
  });
  afterAll(async () => {
    await ch.close();
  });

  it('have unique names and each runs over a range with data', async () => {
    expect(new Set(DASHBOARD_QUERIES.map((q) => q.name)).size).toBe(DASHBOARD_QUERIES.length);
    for (const query of DASHBOARD_QUERIES) {
      const result = (await query.run({ ch, projectId: 'p1' }, RANGE)) as { data: unknown[] };
      expect(result.data.length, query.name).toBeGreaterThan(0);
    }
  });

  it('answer the top lists as the fixture says', async () => {
    const run = (name: string) => DASHBOARD_QUERIES.find((q) => q.name === name)!.run({ ch, projectId: 'p1' }, RANGE);
    expect(await run('top_users')).toEqual({
      data: [
        { user_id: 'u1', spend: '0.3', requests: 2, cost_per_request: '0.15' },
        { user_id: 'u2', spend: '0.000000001', requests: 1, cost_per_request: '0.000000001' },
        { user_id: '', spend: '0', requests: 1, cost_per_request: '0' },
      ],
    });
    const top = (await run('top_calls_by_cost')) as { data: { id: string }[] };
    expect(top.data.map((g) => g.id)).toEqual(['c2', 'c1', 'c3', 'c4']);
  });
});
