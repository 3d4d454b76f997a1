import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouse } from '@margin/clickhouse';
import { handleMetrics, ZMetricsResponse } from '../src/api/index.ts';
import { finalCopies } from './metrics-fixture-data.ts';
import { call, freshClickHouse, insertCalls, at } from './metrics-fixtures.ts';

const FROM = '2026-01-01T00:00:00Z';
const TO = '2026-01-02T00:00:00Z';

describe('GET /api/public/metrics handler', () => {
  let ch: ClickHouse;
  const ctx = () => ({ ch, projectId: 'p1' });
  const get = (query: string) => handleMetrics(new URLSearchParams(query), ctx());
  beforeAll(async () => {
    ch = await freshClickHouse('api-metrics');
    await insertCalls(ch, finalCopies());
    // sub-nano costs: 3 × 0.0000000005 = 0.0000000015, shown as 0.000000002 (rounded at 1e-9, half up)
    await insertCalls(ch, [1, 2, 3].map((i) => call({ id: `nano-${i}`, project_id: 'p3', timestamp: at(1, 5), cost_total: '0.0000000005' })));
  });
  afterAll(async () => {
    await ch.close();
  });

  it('answers money as JSON numbers rounded to 1e-9 USD, counts as numbers, in the response schema', async () => {
    const result = await get(`from=${FROM}&to=${TO}&metrics=spend,requests,cost_per_user,error_rate&group_by=environment`);
    expect(result.status).toBe(200);
    expect(ZMetricsResponse.parse(result.body)).toEqual({
      data: [
        { environment: 'production', spend: 0.3, requests: 3, cost_per_user: 0.3, error_rate: 2 / 3 },
        { environment: 'staging', spend: 0.000000001, requests: 1, cost_per_user: 0.000000001, error_rate: 0 },
      ],
    });
    const total = await get(`from=${FROM}&to=${TO}&metrics=spend,cost_per_user`);
    expect(JSON.stringify(total.body)).toBe('{"data":[{"spend":0.300000001,"cost_per_user":0.150000001}]}');
    const nano = await handleMetrics(new URLSearchParams(`from=${FROM}&to=${TO}&metrics=spend`), { ch, projectId: 'p3' });
    expect(JSON.stringify(nano.body)).toBe('{"data":[{"spend":2e-9}]}');
  });

  it('accepts filters and RFC 3339 times with offsets', async () => {
    const result = await get(`from=2026-01-01T01:00:00%2B01:00&to=${TO}&metrics=requests&model=gpt-4o-mini&tag=b`);
    expect(result).toEqual({ status: 200, body: { data: [{ requests: 1 }] } });
  });

  const BAD: [string, string, RegExp][] = [
    ['unknown metric', `from=${FROM}&to=${TO}&metrics=spend,profit`, /^metrics: unknown metric "profit"/],
    ['no metrics', `from=${FROM}&to=${TO}&metrics=`, /^metrics: required/],
    ['missing metrics', `from=${FROM}&to=${TO}`, /^metrics: required/],
    ['bad group_by', `from=${FROM}&to=${TO}&metrics=spend&group_by=week`, /^group_by: must be one of/],
    ['from after to', `from=${TO}&to=${FROM}&metrics=spend`, /^to: must be after from/],
    ['from equal to', `from=${FROM}&to=${FROM}&metrics=spend`, /^to: must be after from/],
    ['bad RFC 3339', `from=2026-01-01&to=${TO}&metrics=spend`, /^from: not an RFC 3339 date-time/],
    ['no zone', `from=${FROM}&to=2026-01-02T00:00:00&metrics=spend`, /^to: not an RFC 3339 date-time/],
    ['impossible date', `from=${FROM}&to=2026-13-45T00:00:00Z&metrics=spend`, /^to: not an RFC 3339 date-time/],
    ['missing from', `to=${TO}&metrics=spend`, /^from: required/],
    ['out of range', `from=${FROM}&to=2400-01-01T00:00:00Z&metrics=spend`, /^to: must be between 1900 and 2299/],
    ['unknown parameter', `from=${FROM}&to=${TO}&metrics=spend&project_id=p2`, /^project_id: unknown parameter/],
    ['repeated parameter', `from=${FROM}&to=${TO}&metrics=spend&model=a&model=b`, /^model: given more than once/],
    ['empty filter', `from=${FROM}&to=${TO}&metrics=spend&user_id=`, /^user_id: must not be empty/],
  ];
  for (const [label, query, message] of BAD) {
    it(`answers 400 naming the parameter: ${label}`, async () => {
      const result = await get(query);
      expect(result.status).toBe(400);
      const body = result.body as { error: { code: string; message: string } };
      expect(body.error.code).toBe('invalid_parameter');
      expect(body.error.message).toMatch(message);
    });
  }
});
