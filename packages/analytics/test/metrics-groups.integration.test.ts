import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouse } from '@margin/clickhouse';
import { getMetrics, type MetricsRow } from '../src/metrics/index.ts';
import type { Filters, GroupBy } from '../src/sql/index.ts';
import { firstCopies, finalCopies, RANGE } from './metrics-fixture-data.ts';
import { freshClickHouse, insertCalls } from './metrics-fixtures.ts';

// c1 gpt-4o-mini/openai/chat/u1/s1/production/[a] 10h $0.1; c2 gpt-4o/openai/chat/u1/s2/production/[a,b] 11h $0.2;
// c3 claude-3-5-sonnet/anthropic/summarize/u2/-/staging/[] 12h $0.000000001; c4 gpt-4o-mini/openai/summarize/-/s1/production/[b] 13h $0.
const GROUPS: Record<GroupBy, [string, number, string][]> = {
  model: [['claude-3-5-sonnet', 1, '0.000000001'], ['gpt-4o', 1, '0.2'], ['gpt-4o-mini', 2, '0.1']],
  provider: [['anthropic', 1, '0.000000001'], ['openai', 3, '0.3']],
  name: [['chat', 2, '0.3'], ['summarize', 2, '0.000000001']],
  user_id: [['', 1, '0'], ['u1', 2, '0.3'], ['u2', 1, '0.000000001']],
  session_id: [['', 1, '0.000000001'], ['s1', 2, '0.1'], ['s2', 1, '0.2']],
  environment: [['production', 3, '0.3'], ['staging', 1, '0.000000001']],
  tag: [['', 1, '0.000000001'], ['a', 2, '0.3'], ['b', 2, '0.2']],
  day: [['2026-01-01', 4, '0.300000001']],
  hour: [['2026-01-01T10:00:00Z', 1, '0.1'], ['2026-01-01T11:00:00Z', 1, '0.2'], ['2026-01-01T12:00:00Z', 1, '0.000000001'], ['2026-01-01T13:00:00Z', 1, '0']],
};

const FILTERS: [Filters, number, string][] = [
  [{ model: 'gpt-4o-mini' }, 2, '0.1'],
  [{ name: 'summarize' }, 2, '0.000000001'],
  [{ user_id: 'u1' }, 2, '0.3'],
  [{ environment: 'staging' }, 1, '0.000000001'],
  [{ tag: 'b' }, 2, '0.2'],
  [{ tag: 'a', model: 'gpt-4o' }, 1, '0.2'],
  [{ model: 'no-such-model' }, 0, '0'],
];

describe('group_by and filters over hand-computed calls', () => {
  let ch: ClickHouse;
  const ctx = () => ({ ch, projectId: 'p1' });
  beforeAll(async () => {
    ch = await freshClickHouse('metrics-groups');
    await insertCalls(ch, firstCopies());
    await insertCalls(ch, finalCopies());
  });
  afterAll(async () => {
    await ch.close();
  });

  for (const source of ['raw', 'auto'] as const) {
    for (const [group, expected] of Object.entries(GROUPS) as [GroupBy, [string, number, string][]][]) {
      it(`groups by ${group} (${source})`, async () => {
        const { data } = await getMetrics(ctx(), { ...RANGE, metrics: ['requests', 'spend'], group_by: group }, { source });
        expect(data).toEqual(expected.map(([key, requests, spend]) => ({ [group]: key, requests, spend })));
      });
    }
    for (const [filters, requests, spend] of FILTERS) {
      it(`filters by ${JSON.stringify(filters)} (${source})`, async () => {
        const { data } = await getMetrics(ctx(), { ...RANGE, metrics: ['requests', 'spend'], filters }, { source });
        expect(data).toEqual([{ requests, spend }]);
      });
    }
  }

  it('measures shares against the whole range with the same filters, a two-tag call once', async () => {
    const { data } = await getMetrics(ctx(), { ...RANGE, metrics: ['spend_share', 'request_share'], group_by: 'tag' });
    const byTag = Object.fromEntries(data.map((row: MetricsRow) => [row.tag, row]));
    expect(byTag.a!.spend_share).toBeCloseTo(0.3 / 0.300000001, 12);
    expect(byTag.b!.request_share).toBeCloseTo(2 / 4, 12);
    const { data: filtered } = await getMetrics(ctx(), { ...RANGE, metrics: ['spend_share', 'request_share'], group_by: 'model', filters: { name: 'chat' } });
    expect(filtered).toEqual([
      { model: 'gpt-4o', spend_share: 0.2 / 0.3, request_share: 0.5 },
      { model: 'gpt-4o-mini', spend_share: 0.1 / 0.3, request_share: 0.5 },
    ]);
    // ungrouped, the one group is the whole range (its own aggregates are the totals): 1, or null
    // without calls, and with a filter too
    for (const filters of [{}, { name: 'chat' }, { name: 'no-such-feature' }]) {
      const { data: whole } = await getMetrics(ctx(), { ...RANGE, metrics: ['spend_share', 'request_share', 'requests'], filters });
      const share = whole[0]!.requests === 0 ? null : 1;
      expect(whole, JSON.stringify(filters)).toEqual([{ spend_share: share, request_share: share, requests: whole[0]!.requests }]);
    }
    expect((await getMetrics(ctx(), { ...RANGE, metrics: ['requests'], filters: { name: 'chat' } })).data[0]!.requests).toBeGreaterThan(0);
  });

  it('orders by a metric and limits, for top-N lists', async () => {
    const { data } = await getMetrics(ctx(), { ...RANGE, metrics: ['spend'], group_by: 'user_id', order_by: 'spend', limit: 2 });
    expect(data).toEqual([{ user_id: 'u1', spend: '0.3' }, { user_id: 'u2', spend: '0.000000001' }]);
  });
});
