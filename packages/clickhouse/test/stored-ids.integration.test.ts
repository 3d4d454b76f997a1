// The loader's filter of stored ids may only say "new" for an id that calls does not hold: a wrong
// "new" would count a resent id twice in every rollup. Each case resends an id the filter could
// miss and checks calls_delta (what the rollups sum) counts it once, with its newest cost.
import crypto from 'node:crypto';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { command, createClickHouse, insertCalls, queryRows, type ClickHouse } from '../src/index.ts';
import { sipHash64String } from '../src/sip-hash.ts';
import { StoredIds } from '../src/stored-ids.ts';
import { createEventWriter, type EventWriter } from '../src/writer.ts';
import { withOwnStore } from './fixtures/migrate.ts';
import { callsBatch, makeCall } from './fixtures/rows.ts';

let ch: ClickHouse;
const root = withOwnStore('stored-ids', (opened) => (ch = opened));

beforeAll(async () => {
  // A rollup the way analytics builds them: a summing table fed from calls_delta (+1 per copy, -1 per correction).
  await command(ch, 'CREATE TABLE delta_sums (project_id String, n Int64, spend Decimal128(12)) ENGINE = SummingMergeTree ORDER BY project_id', { tag: 'test' });
  await command(
    ch,
    `CREATE MATERIALIZED VIEW delta_sums_mv TO delta_sums AS
     SELECT project_id, sum(sign) AS n, sum(sign * cost_total) AS spend FROM calls_delta GROUP BY project_id`,
    { tag: 'test' },
  );
});

/** Calls of a project in the rollup and in calls FINAL, and the rollup's spend. */
async function counted(project: string) {
  const [rollup] = await queryRows<{ n: string; spend: string }>(ch, 'SELECT sum(n) AS n, sum(spend) AS spend FROM delta_sums WHERE project_id = {p:String}', {
    tag: 'test',
    params: { p: project },
  });
  const [raw] = await queryRows<{ n: string }>(ch, 'SELECT count() AS n FROM calls FINAL WHERE project_id = {p:String}', { tag: 'test', params: { p: project } });
  return { rollup: Number(rollup!.n), raw: Number(raw!.n), spend: Number(rollup!.spend) };
}

async function expectCounted(project: string, calls: number, spend: number) {
  const got = await counted(project);
  expect({ rollup: got.rollup, raw: got.raw }).toEqual({ rollup: calls, raw: calls });
  expect(got.spend).toBeCloseTo(spend, 9);
}

async function send(writer: EventWriter, calls: ReturnType<typeof makeCall>[]) {
  await writer.write(callsBatch(calls));
  await writer.flush();
}

/** Fresh ids for a load the filter should wave through without a lookup. */
const fresh = (project: string, n: number) => Array.from({ length: n }, () => makeCall({ project_id: project }));

describe('the filter of stored ids never calls a stored id new', () => {
  it('a resent id after a restart (the filter is seeded from call_keys)', async () => {
    const p = 'p-restart';
    const first = await createEventWriter({ ch, dir: path.join(root, 'log-restart-1') });
    await send(first, [makeCall({ project_id: p, id: 'r1', cost_total: '1', version: 1 })]);
    await first.close();

    const second = await createEventWriter({ ch, dir: path.join(root, 'log-restart-2') });
    await send(second, fresh(p, 20));
    expect(second.stats().lookupsSkipped).toBeGreaterThan(0); // the filter is in use
    await send(second, [makeCall({ project_id: p, id: 'r1', cost_total: '2', version: 2 })]);
    await second.close();
    await expectCounted(p, 21, 2 + 20 * 0.00033);
  });

  it('a resent id within one load, and in the next load of the same turn', async () => {
    const p = 'p-same-load';
    const writer = await createEventWriter({ ch, dir: path.join(root, 'log-same'), delayMs: 200 });
    // Two copies in one request, and a third in another request that joins the same or the next load.
    await Promise.all([
      writer.write(callsBatch([makeCall({ project_id: p, id: 's1', cost_total: '1', version: 1 }), makeCall({ project_id: p, id: 's1', cost_total: '3', version: 3 })])),
      writer.write(callsBatch([makeCall({ project_id: p, id: 's1', cost_total: '2', version: 2 })])),
    ]);
    await writer.flush();
    await send(writer, [makeCall({ project_id: p, id: 's1', cost_total: '4', version: 4 })]);
    expect(writer.stats().lookups).toBeGreaterThan(0); // the last load had to look s1 up
    await writer.close();
    await expectCounted(p, 1, 4);
  });

  it('an id loaded before the filter existed, and one written around the loader while it runs', async () => {
    const p = 'p-before';
    await insertCalls(ch, [makeCall({ project_id: p, id: 'b1', cost_total: '1', version: 1 })]);
    const writer = await createEventWriter({ ch, dir: path.join(root, 'log-before') });
    await send(writer, fresh(p, 10)); // seeded (b1 in it) and sound
    await send(writer, [makeCall({ project_id: p, id: 'b1', cost_total: '2', version: 2 })]);

    // Written by someone else after the seed: through the client, and as SQL.
    await insertCalls(ch, [makeCall({ project_id: p, id: 'b2', cost_total: '1', version: 1 })]);
    await command(ch, `INSERT INTO calls (project_id, id, timestamp, version_lag, cost_total) VALUES ('${p}', 'b3', now64(3), 0, 1)`, { tag: 'test' });
    await send(writer, [makeCall({ project_id: p, id: 'b2', cost_total: '2', version: 2 }), makeCall({ project_id: p, id: 'b3', cost_total: '2', version: Date.now() + 30_000 })]);
    await send(writer, fresh(p, 10));
    await send(writer, fresh(p, 10)); // others quiet for a turn: reseeded and sound again
    const before = writer.stats().lookupsSkipped ?? 0;
    await send(writer, fresh(p, 10));
    expect(writer.stats().lookupsSkipped).toBe(before + 1);
    await send(writer, [makeCall({ project_id: p, id: 'b3', cost_total: '5', version: Date.now() + 60_000 })]);
    await writer.close();
    await expectCounted(p, 43, 2 + 2 + 5 + 40 * 0.00033);
  });

  it('sees ids of another project as other ids, and past its size looks every load up', async () => {
    const writer = await createEventWriter({ ch, dir: path.join(root, 'log-full'), maxStoredIds: 50 });
    await send(writer, [makeCall({ project_id: 'p-full-a', id: 'x1', cost_total: '1', version: 1 })]);
    await send(writer, [makeCall({ project_id: 'p-full-b', id: 'x1', cost_total: '1', version: 1 })]);
    await send(writer, fresh('p-full-a', 60)); // over 50: the filter is dropped
    const skipped = writer.stats().lookupsSkipped;
    await send(writer, [makeCall({ project_id: 'p-full-a', id: 'x1', cost_total: '2', version: 2 })]);
    expect(writer.stats().lookupsSkipped).toBe(skipped);
    await writer.close();
    await expectCounted('p-full-a', 61, 2 + 60 * 0.00033);
    await expectCounted('p-full-b', 1, 1);
  });

  it('hashes ids exactly as ClickHouse does (sipHash64), whatever their bytes', async () => {
    const ids = ['', 'a', 'abcdefgh', 'abcdefghi', 'é漢字🙂', 'x'.repeat(300), ...Array.from({ length: 500 }, (_, i) => crypto.randomUUID().repeat(3).slice(0, i % 100))];
    const rows = await queryRows<{ s: string; h: string }>(ch, 'SELECT s, toString(sipHash64(s)) AS h FROM (SELECT arrayJoin({ids:Array(String)}) AS s)', {
      tag: 'test',
      params: { ids },
    });
    expect(rows.map((r) => sipHash64String(r.s))).toEqual(rows.map((r) => r.h));
  });

  it('is not kept for a ClickHouse server, where another writer may exist', async () => {
    const server = await createClickHouse({ url: 'http://127.0.0.1:1' });
    expect(StoredIds.for(server, 1000)).toBeUndefined();
    expect(StoredIds.for(ch, 1000)).toBeDefined();
    await server.close();
  });
});
