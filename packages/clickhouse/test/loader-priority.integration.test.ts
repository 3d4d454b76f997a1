// The loader goes ahead of dashboard queries queued before it: an acknowledged event waits for the
// one statement running, not for every query in the queue (chDB runs one statement at a time).
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEventWriter, queryRows, type ClickHouse } from '../src/index.ts';
import { withOwnStore } from './fixtures/migrate.ts';
import { callsBatch, makeCall } from './fixtures/rows.ts';

let ch: ClickHouse;
const root = withOwnStore('loader-priority', (opened) => (ch = opened));

describe('loader priority', () => {
  it('loads an acknowledged event before the queries queued ahead of the load', async () => {
    const writer = await createEventWriter({ ch, dir: path.join(root, 'log'), delayMs: 0 });
    const started = performance.now();
    const slow = queryRows(ch, 'SELECT sleep(0.8) AS s', { tag: 'test.slow' }).then(() => performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await writer.write(callsBatch([makeCall({ project_id: 'p-priority', id: 'urgent' })]));
    // Dashboard queries queued right after the acknowledgement, before the loader asks for the engine.
    const queued = [0, 1].map(() => queryRows(ch, 'SELECT sleep(0.6) AS s', { tag: 'test.queued' }).then(() => performance.now() - started));
    const loaded = writer.flush().then(() => performance.now() - started);
    const [slowAt, loadedAt, ...queuedAt] = await Promise.all([slow, loaded, ...queued]);
    expect(loadedAt).toBeGreaterThan(slowAt);
    for (const at of queuedAt) expect(loadedAt).toBeLessThan(at);
    expect(loadedAt - slowAt).toBeLessThan(500); // not 1.2 s behind the two queued queries
    const rows = await queryRows<{ n: string }>(ch, "SELECT count() AS n FROM calls WHERE project_id = 'p-priority'", { tag: 'test' });
    expect(Number(rows[0]!.n)).toBe(1);
    await writer.close();
  });

  it('loads events acknowledged while a prepared load waited for the engine in the same turn', async () => {
    const writer = await createEventWriter({ ch, dir: path.join(root, 'log-turn'), delayMs: 0 });
    const started = performance.now();
    const slow = queryRows(ch, 'SELECT sleep(1) AS s', { tag: 'test.slow' }).then(() => performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await writer.write(callsBatch([makeCall({ project_id: 'p-turn', id: 'early' })]));
    await new Promise((resolve) => setTimeout(resolve, 300)); // the loader has read 'early' and waits for the engine
    await writer.write(callsBatch([makeCall({ project_id: 'p-turn', id: 'late' })]));
    const next = queryRows(ch, 'SELECT sleep(0.6) AS s', { tag: 'test.next' }).then(() => performance.now() - started);
    const loaded = writer.flush().then(() => performance.now() - started);
    const [slowAt, loadedAt, nextAt] = await Promise.all([slow, loaded, next]);
    expect(loadedAt).toBeGreaterThan(slowAt);
    expect(loadedAt).toBeLessThan(nextAt); // 'late' did not wait for the query queued after it
    const rows = await queryRows<{ n: string }>(ch, "SELECT count() AS n FROM calls WHERE project_id = 'p-turn'", { tag: 'test' });
    expect(Number(rows[0]!.n)).toBe(2);
    await writer.close();
  });
});
