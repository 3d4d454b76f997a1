import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouse, queryRows, type ClickHouse } from '../src/index.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'margin-gate-'));
let ch: ClickHouse;

beforeAll(async () => {
  ch = await createClickHouse({ dataDir: path.join(root, 'ch') });
  await ch.client.command({ query: 'CREATE TABLE gate_t (n UInt32) ENGINE = MergeTree ORDER BY n' });
});
afterAll(async () => {
  await ch.close();
});

const sleepQuery = (seconds: number, tag: string) => queryRows(ch, `SELECT sleep(${seconds}) AS s`, { tag });

describe('statement gate (chDB)', () => {
  it('runs a loader insert queued behind a slow query before queries queued after that query', async () => {
    const done: string[] = [];
    const at: Record<string, number> = {};
    const started = performance.now();
    const mark = (name: string) => () => {
      done.push(name);
      at[name] = performance.now() - started;
    };
    const slow = sleepQuery(0.6, 'test.slow').then(mark('slow'));
    await new Promise((resolve) => setTimeout(resolve, 50)); // the slow query is running
    const a = sleepQuery(0.4, 'test.a').then(mark('a'));
    const b = sleepQuery(0.4, 'test.b').then(mark('b'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const insert = ch
      .first(async () => {
        await ch.client.insert({ table: 'gate_t', values: [{ n: 1 }], format: 'JSONEachRow' });
        // The lease holds the engine between statements: a query queued now still waits.
        await new Promise((resolve) => setTimeout(resolve, 30));
        await ch.insertRaw('gate_t', ['n'], 'JSONCompactEachRow', Buffer.from('[2]\n[3]\n'));
      })
      .then(mark('insert'));
    await Promise.all([slow, a, b, insert]);
    expect(done).toEqual(['slow', 'insert', 'a', 'b']);
    // The insert waited for the running query only, not for the two queued before it.
    expect(at.insert! - at.slow!).toBeLessThan(300);
    const rows = await queryRows<{ n: number }>(ch, 'SELECT n FROM gate_t ORDER BY n', { tag: 'test' });
    expect(rows.map((r) => r.n)).toEqual([1, 2, 3]);
    const stats = ch.gate!.stats();
    expect(stats).toMatchObject({ queuedFirst: 0, queuedNormal: 0, busy: false, turns: 1 });
    // The turn held the engine across its 30 ms pause; the two queries waited for it and the slow one.
    expect(stats.firstHoldMs).toBeGreaterThanOrEqual(30);
    expect(stats.firstWaitMs).toBeGreaterThan(300);
    expect(stats.normalWaitMs).toBeGreaterThan(2 * 500);
    expect(stats.normalHoldMs).toBeGreaterThan(1300); // 0.6 + 0.4 + 0.4 s of sleep
  });

  it('runs the statements of a query together back to back: a loader turn asked for meanwhile waits for all of them', async () => {
    const order: string[] = [];
    const before = ch.gate!.stats();
    let asked!: () => void;
    const askedNow = new Promise<void>((resolve) => (asked = resolve));
    const query = ch.together(async () => {
      await sleepQuery(0.05, 'test.together.1');
      order.push('statement 1');
      asked(); // the loader and another query ask for the engine between the two statements
      await new Promise((resolve) => setTimeout(resolve, 30));
      await sleepQuery(0.05, 'test.together.2');
      order.push('statement 2');
      return 'done';
    });
    await askedNow;
    const insert = ch.first(async () => {
      await ch.insertRaw('gate_t', ['n'], 'JSONCompactEachRow', Buffer.from('[4]\n'));
      order.push('loader');
    });
    const other = sleepQuery(0.01, 'test.other').then(() => order.push('other query'));
    await expect(query).resolves.toBe('done');
    await Promise.all([insert, other]);
    expect(order).toEqual(['statement 1', 'statement 2', 'loader', 'other query']);
    const after = ch.gate!.stats();
    // both statements counted in the queries' lane, in one turn of it
    expect(after.normal - before.normal).toBe(3);
    expect(after.first - before.first).toBe(1);
    expect(after).toMatchObject({ queuedFirst: 0, queuedNormal: 0, busy: false });
    await ch.client.command({ query: 'DELETE FROM gate_t WHERE n = 4' });
  });

  it('keeps normal statements in their order and one at a time', async () => {
    const order: number[] = [];
    const queries = [0, 1, 2, 3, 4].map((i) => sleepQuery(0.05, `test.order.${i}`).then(() => order.push(i)));
    await new Promise((resolve) => setTimeout(resolve, 10));
    // One statement with the engine, the other four waiting in the normal lane.
    expect(ch.gate!.stats()).toMatchObject({ busy: true, queuedNormal: 4 });
    await Promise.all(queries);
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  it('a failing statement releases the engine for the next one', async () => {
    await expect(queryRows(ch, 'SELECT no_such_column FROM gate_t', { tag: 'test.bad' })).rejects.toThrow();
    await expect(ch.first(() => Promise.reject(new Error('load failed')))).rejects.toThrow('load failed');
    const rows = await queryRows<{ n: string }>(ch, 'SELECT count() AS n FROM gate_t', { tag: 'test' });
    expect(Number(rows[0]!.n)).toBe(3);
  });
});
