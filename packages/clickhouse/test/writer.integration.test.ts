import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { queryRows, type ClickHouse } from '../src/index.ts';
import { BacklogFullError } from '../src/event-log.ts';
import { createAsyncInsertWriter, createEventWriter, createWriterFor } from '../src/writer.ts';
import { withOwnStore } from './fixtures/migrate.ts';
import { callsBatch, makeCall } from './fixtures/rows.ts';

let ch: ClickHouse;
const root = withOwnStore('writer', (opened) => (ch = opened));

const count = async (projectId: string) =>
  Number((await queryRows<{ n: string }>(ch, 'SELECT count() AS n FROM calls FINAL WHERE project_id = {p:String}', { tag: 'test', params: { p: projectId } }))[0]!.n);

describe('event writer', () => {
  it('answers BacklogFullError with a retry hint while the store is behind, and accepts again once loaded', async () => {
    // A long batching delay keeps the loader from catching up on its own during the test.
    const writer = await createEventWriter({ ch, dir: path.join(root, 'log-backlog'), maxBacklogRows: 100, delayMs: 60_000 });
    await writer.write(callsBatch(Array.from({ length: 100 }, () => makeCall({ project_id: 'p-backlog' }))));
    expect(writer.stats().backlogRows).toBe(100);
    const refused = await writer.write(callsBatch([makeCall({ project_id: 'p-backlog' })])).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(BacklogFullError);
    expect((refused as BacklogFullError).retryAfterSeconds).toBeGreaterThanOrEqual(1);

    await writer.flush(); // cuts the delay short
    expect(writer.stats()).toMatchObject({ backlogRows: 0, loadedRows: 100 });
    await writer.write(callsBatch([makeCall({ project_id: 'p-backlog' })]));
    await writer.close(); // drains
    expect(await count('p-backlog')).toBe(101);
  });

  it('picks the local log for chDB', async () => {
    const writer = await createWriterFor(ch, path.join(root, 'log-for'));
    await writer.write(callsBatch([makeCall({ project_id: 'p-for' })]));
    expect(fs.readdirSync(path.join(root, 'log-for')).some((name) => name.endsWith('.seg'))).toBe(true);
    await writer.close();
    expect(await count('p-for')).toBe(1);
  });

  it('the async-insert writer (for a ClickHouse server) resolves once rows are queryable, resent ids once', async () => {
    const writer = createAsyncInsertWriter(ch);
    await writer.write(callsBatch([makeCall({ project_id: 'p-async', id: 'a', cost_total: '1', version: 1 })]));
    expect(await count('p-async')).toBe(1);
    await writer.write(callsBatch([makeCall({ project_id: 'p-async', id: 'a', cost_total: '2', version: 2 })]));
    const [row] = await queryRows<{ n: string; spend: string }>(
      ch,
      "SELECT count() AS n, sum(cost_total) AS spend FROM calls FINAL WHERE project_id = 'p-async'",
      { tag: 'test' },
    );
    expect(row).toEqual({ n: '1', spend: '2' });
    expect(writer.stats().loadedRows).toBe(2);
    await writer.close();
  });
});
