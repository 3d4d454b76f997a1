import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { command, createClickHouse, queryRows, type ClickHouse } from '../src/index.ts';
import { applyCallsPlan, planCalls } from '../src/calls-upsert.ts';
import { createEventWriter, type EventWriter } from '../src/writer.ts';
import { migrateOwnTables } from './fixtures/migrate.ts';
import { callsBatch, makeCall } from './fixtures/rows.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'margin-resent-'));
let ch: ClickHouse;
let writer: EventWriter;
const at = (hour: number) => Date.UTC(2026, 10, 2, hour, 30);

beforeAll(async () => {
  ch = await createClickHouse({ dataDir: path.join(root, 'ch') });
  await migrateOwnTables(ch);
  // A rollup the way analytics builds them: a summing table fed from calls_delta.
  await command(
    ch,
    `CREATE TABLE delta_sums (project_id String, requests Int64, spend Decimal128(12), input Int64)
     ENGINE = SummingMergeTree ORDER BY project_id`,
    { tag: 'test' },
  );
  await command(
    ch,
    `CREATE MATERIALIZED VIEW delta_sums_mv TO delta_sums AS
     SELECT project_id, sum(sign) AS requests, sum(sign * cost_total) AS spend, sum(sign * input_tokens) AS input
     FROM calls_delta GROUP BY project_id`,
    { tag: 'test' },
  );
  writer = await createEventWriter({ ch, dir: path.join(root, 'log') });
});
afterAll(async () => {
  await writer.close();
  await ch.close();
});

async function load(...calls: ReturnType<typeof makeCall>[]) {
  await writer.write(callsBatch(calls));
  await writer.flush();
}

async function totals(project: string) {
  const [raw] = await queryRows<{ n: string; spend: string; input: string }>(
    ch,
    'SELECT count() AS n, sum(cost_total) AS spend, sum(input_tokens) AS input FROM calls FINAL WHERE project_id = {p:String}',
    { tag: 'test', params: { p: project } },
  );
  const [rollup] = await queryRows<{ n: string; spend: string; input: string }>(
    ch,
    'SELECT sum(requests) AS n, sum(spend) AS spend, sum(input) AS input FROM delta_sums WHERE project_id = {p:String}',
    { tag: 'test', params: { p: project } },
  );
  return { raw: { n: Number(raw!.n), spend: raw!.spend, input: Number(raw!.input) }, rollup: { n: Number(rollup!.n), spend: rollup!.spend, input: Number(rollup!.input) } };
}

describe('a resent id counts once, with its newest values', () => {
  it('in calls FINAL and in rollups fed by calls_delta, also when its hour changes', async () => {
    const p = 'p-resent';
    await load(makeCall({ project_id: p, id: 'x', cost_total: '1.5', input_tokens: 100, version: 1, timestamp: at(10) }));
    await load(makeCall({ project_id: p, id: 'x', cost_total: '2.5', input_tokens: 200, version: 2, timestamp: at(10) }));
    expect(await totals(p)).toEqual({ raw: { n: 1, spend: '2.5', input: 200 }, rollup: { n: 1, spend: '2.5', input: 200 } });

    // The hour changes: the old copy sits under another sorting key and must be deleted.
    await load(makeCall({ project_id: p, id: 'x', cost_total: '4', input_tokens: 400, version: 3, timestamp: at(12) }));
    expect(await totals(p)).toEqual({ raw: { n: 1, spend: '4', input: 400 }, rollup: { n: 1, spend: '4', input: 400 } });
    const copies = await queryRows<{ hour: string }>(ch, "SELECT toHour(timestamp) AS hour FROM calls WHERE project_id = {p:String} AND id = 'x'", {
      tag: 'test',
      params: { p },
    });
    expect(copies.map((c) => Number(c.hour))).toEqual([12]);

    // An older copy arriving late loses, and changes nothing.
    await load(makeCall({ project_id: p, id: 'x', cost_total: '9', input_tokens: 900, version: 2, timestamp: at(14) }));
    expect(await totals(p)).toEqual({ raw: { n: 1, spend: '4', input: 400 }, rollup: { n: 1, spend: '4', input: 400 } });
  });

  it('also when its user, session or trace changes within the hour (they are in the sorting key)', async () => {
    const p = 'p-rekeyed';
    await load(makeCall({ project_id: p, id: 'k', user_id: 'u1', session_id: 's1', trace_id: 't1', cost_total: '1', version: 1, timestamp: at(10) }));
    await load(makeCall({ project_id: p, id: 'k', user_id: 'u2', session_id: 's1', trace_id: 't1', cost_total: '2', version: 2, timestamp: at(10) }));
    await load(makeCall({ project_id: p, id: 'k', user_id: 'u2', session_id: 's2', trace_id: 't1', cost_total: '3', version: 3, timestamp: at(10) }));
    await load(makeCall({ project_id: p, id: 'k', user_id: 'u2', session_id: 's2', trace_id: 't2', cost_total: '4', version: 4, timestamp: at(10) }));
    expect(await totals(p)).toMatchObject({ raw: { n: 1, spend: '4' }, rollup: { n: 1, spend: '4' } });
    // Without FINAL too: the older copies under other keys are gone, not merely hidden.
    const copies = await queryRows<{ user_id: string; session_id: string; trace_id: string; version: string }>(
      ch,
      "SELECT user_id, session_id, trace_id, version FROM calls WHERE project_id = {p:String} AND id = 'k'",
      { tag: 'test', params: { p } },
    );
    expect(copies).toEqual([{ user_id: 'u2', session_id: 's2', trace_id: 't2', version: '4' }]);
  });

  it('within one batch only the newest copy of an id is loaded', async () => {
    const p = 'p-batch';
    await load(
      makeCall({ project_id: p, id: 'y', cost_total: '2', input_tokens: 20, version: 7, timestamp: at(9) }),
      makeCall({ project_id: p, id: 'y', cost_total: '1', input_tokens: 10, version: 5, timestamp: at(8) }),
      makeCall({ project_id: p, id: 'z', cost_total: '0.25', input_tokens: 5, version: 1, timestamp: at(8) }),
    );
    expect(await totals(p)).toEqual({ raw: { n: 2, spend: '2.25', input: 25 }, rollup: { n: 2, spend: '2.25', input: 25 } });
    const raw = await queryRows<{ n: string }>(ch, 'SELECT count() AS n FROM calls WHERE project_id = {p:String}', { tag: 'test', params: { p } });
    expect(Number(raw[0]!.n)).toBe(2);
  });

  it('the same id in two projects is two calls', async () => {
    await load(makeCall({ project_id: 'p-one', id: 'shared', cost_total: '1', version: 1 }), makeCall({ project_id: 'p-two', id: 'shared', cost_total: '3', version: 1 }));
    await load(makeCall({ project_id: 'p-two', id: 'shared', cost_total: '5', version: 2 }));
    expect((await totals('p-one')).rollup).toMatchObject({ n: 1, spend: '1' });
    expect(await totals('p-two')).toMatchObject({ raw: { n: 1, spend: '5' }, rollup: { n: 1, spend: '5' } });
  });

  it('a load cut short by a crash and planned again still counts the id once', async () => {
    const p = 'p-crash';
    await load(makeCall({ project_id: p, id: 'w', cost_total: '1', input_tokens: 10, version: 1, timestamp: at(10) }));

    // Killed after writing the correction, before the calls insert.
    const v2 = [makeCall({ project_id: p, id: 'w', cost_total: '3', input_tokens: 30, version: 2, timestamp: at(11) })];
    const cut = await planCalls(ch, v2);
    expect(cut.corrections).toHaveLength(1);
    await applyCallsPlan(ch, { ...cut, done: { corrections: false, inserts: true, stale: true } });
    const replayed = await planCalls(ch, v2);
    expect(replayed.corrections).toHaveLength(0);
    await applyCallsPlan(ch, replayed);
    expect(await totals(p)).toEqual({ raw: { n: 1, spend: '3', input: 30 }, rollup: { n: 1, spend: '3', input: 30 } });

    // Killed after the calls insert, before the stale copy in another hour was deleted.
    const v3 = [makeCall({ project_id: p, id: 'w', cost_total: '5', input_tokens: 50, version: 3, timestamp: at(12) })];
    await applyCallsPlan(ch, { ...(await planCalls(ch, v3)), done: { corrections: false, inserts: false, stale: true } });
    const again = await planCalls(ch, v3);
    const old = v2[0]!;
    expect(again).toMatchObject({ inserts: [], corrections: [], stale: [[p, 'w', at(11) / 1000 - 30 * 60, old.user_id, old.session_id, old.trace_id]] });
    await applyCallsPlan(ch, again);
    expect(await totals(p)).toEqual({ raw: { n: 1, spend: '5', input: 50 }, rollup: { n: 1, spend: '5', input: 50 } });
  });
});
