import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { queryRows, type ClickHouse } from '../src/index.ts';
import { withOwnStore } from './fixtures/migrate.ts';
import { EventLog } from '../src/event-log.ts';
import { createEventWriter } from '../src/writer.ts';
import { Loader } from '../src/loader.ts';
import { callsBatch, makeCall, makeSpan } from './fixtures/rows.ts';

let ch: ClickHouse;
const root = withOwnStore('loader', (opened) => (ch = opened));

const countCalls = async (projectId: string) =>
  Number(
    (await queryRows<{ n: string }>(ch, 'SELECT count() AS n FROM calls FINAL WHERE project_id = {p:String}', { tag: 'test', params: { p: projectId } }))[0]!.n,
  );

describe('loader', () => {
  it('flush makes every written row queryable, calls and spans alike', async () => {
    const writer = await createEventWriter({ ch, dir: path.join(root, 'log-flush') });
    const calls = Array.from({ length: 500 }, () => makeCall({ project_id: 'p-flush' }));
    await Promise.all([
      writer.write(callsBatch(calls.slice(0, 250))),
      writer.write({ calls: calls.slice(250), spans: [makeSpan({ project_id: 'p-flush', id: 'span-1' })], traces: [], scores: [] }),
    ]);
    await writer.flush();
    expect(await countCalls('p-flush')).toBe(500);
    const spans = await queryRows<{ n: string }>(ch, "SELECT count() AS n FROM spans WHERE project_id = 'p-flush'", { tag: 'test' });
    expect(Number(spans[0]!.n)).toBe(1);
    // Two copies of a span id in one batch, in different hours: only the newest is stored.
    await writer.write({
      calls: [],
      spans: [
        makeSpan({ project_id: 'p-flush', id: 'span-2', version: 2, timestamp: Date.UTC(2026, 10, 1, 11) }),
        makeSpan({ project_id: 'p-flush', id: 'span-2', version: 1, timestamp: Date.UTC(2026, 10, 1, 9) }),
      ],
      traces: [],
      scores: [],
    });
    await writer.flush();
    const copies = await queryRows<{ h: number }>(ch, "SELECT toHour(timestamp) AS h FROM spans WHERE id = 'span-2'", { tag: 'test' });
    expect(copies).toEqual([{ h: 11 }]);
    const costs = await queryRows<{ total: string }>(ch, "SELECT sum(cost_total) AS total FROM calls WHERE project_id = 'p-flush'", { tag: 'test' });
    expect(costs[0]!.total).toBe('0.165'); // 500 × 0.00033, exact
    expect(writer.stats()).toMatchObject({ backlogRows: 0, backlogBytes: 0, loadedRows: 503 });
    await writer.close();
  });

  it('an acknowledged write is in query results within a second, without flush', async () => {
    const writer = await createEventWriter({ ch, dir: path.join(root, 'log-latency') });
    await writer.write(callsBatch([makeCall({ project_id: 'p-latency', id: 'fresh' })]));
    const started = performance.now(); // the contract counts from the answer, which follows the ack
    while ((await countCalls('p-latency')) === 0) {
      if (performance.now() - started > 5000) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(await countCalls('p-latency')).toBe(1);
    expect(performance.now() - started).toBeLessThan(1000);
    await writer.close();
  });

  it('replays after a restart exactly the acknowledged events that were never loaded, once', async () => {
    const dir = path.join(root, 'log-replay');
    const log = await EventLog.open({ dir });
    for (let i = 0; i < 20; i++) await log.append(callsBatch(Array.from({ length: 50 }, (_, j) => makeCall({ project_id: 'p-replay', id: `r-${i}-${j}` }))));
    await log.close(); // the process stops before any load

    expect(await countCalls('p-replay')).toBe(0);
    const writer = await createEventWriter({ ch, dir });
    // createEventWriter replays before it returns: the server opens its port after this.
    expect(await countCalls('p-replay')).toBe(1000);
    expect(writer.stats().backlogRows).toBe(0);
    await writer.close();

    const again = await createEventWriter({ ch, dir });
    expect(again.stats().loadedRows).toBe(0);
    const raw = await queryRows<{ n: string }>(ch, "SELECT count() AS n FROM calls WHERE project_id = 'p-replay'", { tag: 'test' });
    expect(Number(raw[0]!.n)).toBe(1000);
    await again.close();
  });

  it('a replayed range already in ClickHouse (crash before the checkpoint) adds no copy and no correction', async () => {
    const dir = path.join(root, 'log-twice');
    const log = await EventLog.open({ dir });
    await log.append(callsBatch(Array.from({ length: 30 }, (_, j) => makeCall({ project_id: 'p-twice', id: `t-${j}`, version: 5 }))));
    await log.close();
    const first = await createEventWriter({ ch, dir: path.join(root, 'log-twice-copy') });
    // The same records loaded through another log: as if the insert landed but the checkpoint did not.
    await first.write(callsBatch(Array.from({ length: 30 }, (_, j) => makeCall({ project_id: 'p-twice', id: `t-${j}`, version: 5 }))));
    await first.close();
    const replay = await createEventWriter({ ch, dir });
    const raw = await queryRows<{ n: string }>(ch, "SELECT count() AS n FROM calls WHERE project_id = 'p-twice'", { tag: 'test' });
    expect(Number(raw[0]!.n)).toBe(30);
    await replay.close();
  });

  it('sets aside a record ClickHouse refuses as data, and loads the records around it', async () => {
    const dir = path.join(root, 'log-poison');
    const log = await EventLog.open({ dir });
    await log.append(callsBatch(Array.from({ length: 3 }, () => makeCall({ project_id: 'p-poison' }))));
    await log.append(callsBatch([{ ...makeCall({ project_id: 'p-poison', id: 'bad' }), cost_total: 'not a number' }]));
    await log.append(callsBatch(Array.from({ length: 2 }, () => makeCall({ project_id: 'p-poison' }))));
    await log.close();

    const errors: unknown[] = [];
    const writer = await createEventWriter({ ch, dir, quarantineAfter: 2, retryMs: 5, onError: (error) => errors.push(error) });
    expect(await countCalls('p-poison')).toBe(5);
    const rejected = fs.readdirSync(path.join(dir, 'rejected'));
    expect(rejected).toHaveLength(1);
    const kept = JSON.parse(fs.readFileSync(path.join(dir, 'rejected', rejected[0]!), 'utf8')) as { batch: { calls: { id: string }[] } };
    expect(kept.batch.calls.map((c) => c.id)).toEqual(['bad']);
    expect(errors.length).toBeGreaterThan(0);
    expect(writer.stats().backlogRows).toBe(0);
    await writer.close();
  });

  it('runs the raw inserts of a load with its insert settings, as part of the statement', async () => {
    const dir = path.join(root, 'log-settings');
    const log = await EventLog.open({ dir });
    // Two months: two partitions of calls in one insert.
    await log.append(
      callsBatch([
        makeCall({ project_id: 'p-settings', timestamp: Date.UTC(2026, 0, 10) }),
        makeCall({ project_id: 'p-settings', timestamp: Date.UTC(2026, 2, 10) }),
      ]),
    );
    const strict = new Loader(ch, log, { insertSettings: { max_partitions_per_insert_block: '1' } });
    await expect(strict.loadOnce()).rejects.toThrow(/partition/i);
    await strict.drain().catch(() => undefined);
    expect(log.checkpoint).toBe(0);
    // The setting did not outlive the statement: the default loader (optimize_on_insert off) loads the record.
    const loader = new Loader(ch, log);
    expect(await loader.loadOnce()).toBe(true);
    expect(await countCalls('p-settings')).toBe(2);
    expect(loader.stats().turnMs.insert).toBeGreaterThan(0);
    const setting = await queryRows<{ v: string }>(ch, "SELECT toString(getSetting('optimize_on_insert')) AS v", { tag: 'test' });
    expect(setting[0]!.v).toBe('true'); // the loader's own setting stayed in its statements too
    await loader.drain();
    await log.close();
  });

  it('writes the checkpoint after the turn has released the engine: a query does not wait for its fsyncs', async () => {
    const log = await EventLog.open({ dir: path.join(root, 'log-checkpoint-turn') });
    await log.append(callsBatch([makeCall({ project_id: 'p-checkpoint-turn' })]));
    const loader = new Loader(ch, log);
    // A slow disk, made slower: the checkpoint write takes 400 ms more.
    const advance = log.advance.bind(log);
    let advancing!: () => void;
    const inAdvance = new Promise<void>((resolve) => (advancing = resolve));
    log.advance = async (offset, rows) => {
      advancing();
      await new Promise((resolve) => setTimeout(resolve, 400));
      return advance(offset, rows);
    };
    const load = loader.loadOnce();
    await inAdvance;
    const started = performance.now();
    await queryRows(ch, 'SELECT 1 AS one', { tag: 'test.during_checkpoint' });
    expect(performance.now() - started).toBeLessThan(250);
    expect(log.checkpoint).toBe(0); // the checkpoint was still being written
    expect(await load).toBe(true);
    expect(log.checkpoint).toBe(log.end);
    expect(await countCalls('p-checkpoint-turn')).toBe(1);
    await loader.drain();
    await log.close();
  });
});
