import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { command, queryRows, type ClickHouse } from '@margin/clickhouse';
import type { CallRow } from '@margin/core';
import { handleGenerations, ZGenerationsResponse, type TGeneration } from '../src/api/index.ts';
import { at, call, freshClickHouse, insertCalls } from './metrics-fixtures.ts';

// 23 calls with many ties: costs in {0.1, 0.2, 0.000000001}, timestamps in 3 distinct values,
// tokens and latency from small sets; one resent with a changed cost (counted once, newest copy).
const calls: CallRow[] = Array.from({ length: 23 }, (_, i) =>
  call({
    id: `g${String(i).padStart(2, '0')}`,
    timestamp: at(1, 10 + (i % 3)),
    cost_total: ['0.1', '0.2', '0.000000001'][i % 3]!,
    input_tokens: (i % 4) * 100,
    output_tokens: (i % 2) * 50,
    duration_ms: (i % 5) * 10,
    model: i % 2 === 0 ? 'gpt-4o' : 'gpt-4o-mini',
    tags: i % 3 === 0 ? ['a'] : [],
  }),
);

describe('GET /api/public/generations handler', () => {
  let ch: ClickHouse;
  const get = async (query: string) => {
    const result = await handleGenerations(new URLSearchParams(query), { ch, projectId: 'p1' });
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    return ZGenerationsResponse.parse(result.body);
  };
  async function allPages(query: string, limit: number): Promise<{ rows: TGeneration[]; pages: number }> {
    const rows: TGeneration[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await get(`${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.data.length).toBeLessThanOrEqual(limit);
      rows.push(...page.data);
      cursor = page.next_cursor;
      pages++;
    } while (cursor);
    return { rows, pages };
  }
  beforeAll(async () => {
    ch = await freshClickHouse('api-generations');
    await insertCalls(ch, [call({ ...calls[0]!, cost_total: '9', version: 1 }), call({ id: 'other', project_id: 'p2' })]);
    await insertCalls(ch, calls);
  });
  afterAll(async () => {
    await ch.close();
  });

  const sortValue: Record<string, (g: TGeneration) => number | string> = {
    cost: (g) => g.cost.total,
    timestamp: (g) => g.timestamp,
    total_tokens: (g) => g.usage.total_tokens,
    latency: (g) => g.duration_ms,
  };
  for (const order of Object.keys(sortValue)) {
    for (const limit of [1, 4, 7, 100]) {
      it(`pages by ${order}, ${limit} a page: every call once, no gaps, largest first, ties by id`, async () => {
        const { rows, pages } = await allPages(`order_by=${order}`, limit);
        expect(rows.map((r) => r.id).sort()).toEqual(calls.map((c) => c.id).sort());
        expect(pages).toBe(Math.ceil(23 / limit));
        const key = sortValue[order]!;
        for (let i = 1; i < rows.length; i++) {
          const [a, b] = [key(rows[i - 1]!), key(rows[i]!)];
          expect(a >= b).toBe(true);
          if (a === b) expect(rows[i - 1]!.id > rows[i]!.id).toBe(true);
        }
      });
    }
  }

  it('shows the newest copy of a resent call, with money as numbers and tokens', async () => {
    const { data } = await get('order_by=cost&limit=100');
    const g00 = data.find((g) => g.id === 'g00')!;
    expect(g00.cost.total).toBe(0.1);
    expect(data[data.length - 1]!.cost.total).toBe(0.000000001);
    expect(g00).toMatchObject({ model: 'gpt-4o', usage: { input_tokens: 0, output_tokens: 0, total_tokens: 0 }, timestamp: '2026-01-01T10:00:00.000Z' });
  });

  it('filters like the metrics and limits to [from, to)', async () => {
    const { data } = await get(`from=2026-01-01T10:00:00Z&to=2026-01-01T11:00:00Z&model=gpt-4o&tag=a&limit=100`);
    const expected = calls.filter((c) => c.timestamp === at(1, 10) && c.model === 'gpt-4o' && c.tags.includes('a')).map((c) => c.id);
    expect(expected.length).toBeGreaterThan(0);
    expect(data.map((g) => g.id).sort()).toEqual(expected.sort());
  });

  it('filters the newest copy, not a stale one that matched the filter (by cost and newest first)', async () => {
    // m01..m05 first sent on gpt-4o at a high cost, then corrected to gpt-4o-mini (same key, both
    // copies kept: merges held off); m06 stays on gpt-4o.
    await command(ch, 'SYSTEM STOP MERGES calls', { tag: 'test' });
    const first = Array.from({ length: 5 }, (_, i) => call({ id: `m0${i + 1}`, project_id: 'p6', timestamp: at(3, 10, i), model: 'gpt-4o', cost_total: '7', version: 1 }));
    await insertCalls(ch, [...first, call({ id: 'm06', project_id: 'p6', timestamp: at(3, 10, 9), model: 'gpt-4o', cost_total: '0.5' })]);
    await insertCalls(ch, first.map((c) => call({ ...c, model: 'gpt-4o-mini', cost_total: '0.01', version: 2 })));
    for (const order of ['cost', 'timestamp']) {
      const result = await handleGenerations(new URLSearchParams(`order_by=${order}&model=gpt-4o&limit=3`), { ch, projectId: 'p6' });
      expect(ZGenerationsResponse.parse(result.body).data.map((g) => [g.id, g.model]), order).toEqual([['m06', 'gpt-4o']]);
      const mini = await handleGenerations(new URLSearchParams(`order_by=${order}&model=gpt-4o-mini&limit=10`), { ch, projectId: 'p6' });
      const rows = ZGenerationsResponse.parse(mini.body).data;
      expect(rows.map((g) => g.id).sort(), order).toEqual(['m01', 'm02', 'm03', 'm04', 'm05']);
      expect(rows.every((g) => g.cost.total === 0.01)).toBe(true);
    }
    await command(ch, 'SYSTEM START MERGES calls', { tag: 'test' });
  });

  it('stays exact by cost when stale copies with high costs exist', async () => {
    // 30 calls first sent with cost 5, then corrected to a few cents, in the same hour (so both
    // copies stay until a merge); 10 calls a1..a10 sent once with costs 1..10, ids sorting below.
    const stale = Array.from({ length: 30 }, (_, i) => call({ id: `h${String(i).padStart(2, '0')}`, project_id: 'p4', timestamp: at(2, 10, i), cost_total: '5', version: 1 }));
    await insertCalls(ch, stale);
    await insertCalls(ch, [
      ...stale.map((c, i) => call({ ...c, cost_total: `0.0${i % 10}`, version: 2 })),
      ...Array.from({ length: 10 }, (_, i) => call({ id: `a${String(i + 1).padStart(2, '0')}`, project_id: 'p4', timestamp: at(2, 10, 45), cost_total: String(i + 1) })),
    ]);
    const expected = [
      ...Array.from({ length: 10 }, (_, i) => ({ id: `a${String(10 - i).padStart(2, '0')}`, cost: 10 - i })),
      ...stale.map((c, i) => ({ id: c.id, cost: Number(`0.0${i % 10}`) })).sort((x, y) => y.cost - x.cost || (x.id < y.id ? 1 : -1)),
    ];
    for (const limit of [5, 6, 12]) {
      const rows: { id: string; cost: number }[] = [];
      let cursor: string | null = null;
      do {
        const result = await handleGenerations(new URLSearchParams(`order_by=cost&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`), { ch, projectId: 'p4' });
        const page = ZGenerationsResponse.parse(result.body);
        rows.push(...page.data.map((g) => ({ id: g.id, cost: g.cost.total })));
        cursor = page.next_cursor;
      } while (cursor);
      expect(rows, `limit ${limit}`).toEqual(expected);
    }
  });

  it('stays exact newest first when stale copies crowd the top (the candidates step falls back)', async () => {
    // 30 calls first sent at 10:50-10:59, then corrected to 10:00:0x in the same hour (both copies
    // stay until a merge, held off here); 10 calls a01..a10 sent once at 10:21-10:30.
    await command(ch, 'SYSTEM STOP MERGES calls', { tag: 'test' });
    const stale = Array.from({ length: 30 }, (_, i) => call({ id: `h${String(i).padStart(2, '0')}`, project_id: 'p5', timestamp: at(2, 10, 50) + i * 15_000, version: 1 }));
    await insertCalls(ch, stale);
    await insertCalls(ch, [
      ...stale.map((c, i) => call({ ...c, timestamp: at(2, 10, 0) + i * 1000, version: 2 })),
      ...Array.from({ length: 10 }, (_, i) => call({ id: `a${String(i + 1).padStart(2, '0')}`, project_id: 'p5', timestamp: at(2, 10, 21 + i) })),
    ]);
    const expected = [...Array.from({ length: 10 }, (_, i) => `a${String(10 - i).padStart(2, '0')}`), ...stale.map((c) => c.id).reverse()];
    for (const limit of [5, 6, 12, 100]) {
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const result = await handleGenerations(new URLSearchParams(`order_by=timestamp&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`), { ch, projectId: 'p5' });
        const page = ZGenerationsResponse.parse(result.body);
        ids.push(...page.data.map((g) => g.id));
        cursor = page.next_cursor;
      } while (cursor);
      expect(ids, `limit ${limit}`).toEqual(expected);
    }
    const [copies] = await queryRows<{ n: string }>(ch, "SELECT count() AS n FROM calls WHERE project_id = 'p5'", { tag: 'test' });
    expect(Number(copies!.n)).toBe(70); // the stale copies were there all along
    await command(ch, 'SYSTEM START MERGES calls', { tag: 'test' });
  });

  it('answers 400 naming the parameter', async () => {
    const cases: [string, RegExp][] = [
      ['order_by=price', /^order_by: must be one of/],
      ['limit=101', /^limit: must be an integer from 1 to 100/],
      ['limit=0', /^limit: /],
      ['limit=ten', /^limit: /],
      ['cursor=bm9wZQ', /^cursor: /],
      ['from=yesterday', /^from: not an RFC 3339/],
      ['from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z', /^to: must be after from/],
      ['sort=cost', /^sort: unknown parameter/],
    ];
    const cost = await get('order_by=cost&limit=1');
    cases.push([`order_by=latency&cursor=${cost.next_cursor}`, /^cursor: not a cursor of a page ordered by latency/]);
    for (const [query, message] of cases) {
      const result = await handleGenerations(new URLSearchParams(query), { ch, projectId: 'p1' });
      expect(result.status, query).toBe(400);
      expect((result.body as { error: { message: string } }).error.message, query).toMatch(message);
    }
  });
});
