import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BacklogFullError, EventLog } from '../src/event-log.ts';
import { listSegments, segmentPath } from '../src/log-segment.ts';
import { callsBatch, makeCall } from './fixtures/rows.ts';

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'margin-log-'));

async function readAll(log: EventLog) {
  const { records } = await log.read(log.checkpoint, Number.MAX_SAFE_INTEGER);
  return records.flatMap((r) => r.batch.calls.map((c) => c.id));
}

describe('event log', () => {
  it('groups concurrent appends into fewer write + fdatasync rounds, keeping every record', async () => {
    const log = await EventLog.open({ dir: tempDir() });
    const ids = Array.from({ length: 200 }, (_, i) => `call-${i}`);
    await Promise.all(ids.map((id) => log.append(callsBatch([makeCall({ id })]))));
    const stats = log.stats();
    expect(stats.appends).toBe(200);
    expect(stats.syncs).toBeGreaterThan(0);
    expect(stats.syncs).toBeLessThan(stats.appends / 2);
    expect(await readAll(log)).toEqual(ids);
    expect(stats.backlogRows).toBe(200);
    await log.close();
  });

  it('cuts a torn tail on reopen and keeps appending after the intact records', async () => {
    const dir = tempDir();
    const log = await EventLog.open({ dir });
    for (const id of ['a', 'b', 'c']) await log.append(callsBatch([makeCall({ id })]));
    const end = log.end;
    await log.close();
    // A crash mid-write: a header promising 5,000 bytes, then only part of the payload.
    const [base] = await listSegments(dir);
    const torn = Buffer.alloc(40);
    torn.writeUInt32LE(5000, 0);
    fs.appendFileSync(segmentPath(dir, base!), torn);

    const reopened = await EventLog.open({ dir });
    expect(reopened.stats().truncatedBytes).toBe(40);
    expect(reopened.end).toBe(end);
    expect(await readAll(reopened)).toEqual(['a', 'b', 'c']);
    await reopened.append(callsBatch([makeCall({ id: 'd' })]));
    expect(await readAll(reopened)).toEqual(['a', 'b', 'c', 'd']);
    await reopened.close();
  });

  it('cuts a record whose checksum does not match', async () => {
    const dir = tempDir();
    const log = await EventLog.open({ dir });
    await log.append(callsBatch([makeCall({ id: 'kept' })]));
    const firstEnd = log.end;
    await log.append(callsBatch([makeCall({ id: 'flipped' })]));
    await log.close();
    const file = segmentPath(dir, (await listSegments(dir))[0]!);
    const bytes = fs.readFileSync(file);
    bytes[firstEnd + 30] = bytes[firstEnd + 30]! ^ 0xff; // one byte inside the second payload
    fs.writeFileSync(file, bytes);

    const reopened = await EventLog.open({ dir });
    expect(await readAll(reopened)).toEqual(['kept']);
    expect(reopened.stats().backlogRows).toBe(1);
    await reopened.close();
  });

  it('refuses appends past the backlog limit with a retry hint, and accepts them once loaded', async () => {
    const log = await EventLog.open({ dir: tempDir(), maxBacklogRows: 10 });
    await log.append(callsBatch(Array.from({ length: 10 }, () => makeCall())));
    const refused = await log.append(callsBatch([makeCall()])).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(BacklogFullError);
    expect((refused as BacklogFullError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    await log.advance(log.end, 10);
    await expect(log.append(callsBatch([makeCall()]))).resolves.toBeUndefined();
    await log.close();
  });

  it('rolls segments, deletes the loaded ones and reopens at the checkpoint', async () => {
    const dir = tempDir();
    const log = await EventLog.open({ dir, segmentBytes: 4096 });
    for (let i = 0; i < 30; i++) await log.append(callsBatch([makeCall({ id: `r${i}` })]));
    expect(log.stats().segments).toBeGreaterThan(3);
    const { records } = await log.read(log.checkpoint, 10);
    expect(records.length).toBe(10);
    await log.advance(records.at(-1)!.end, 10);
    expect((await listSegments(dir)).length).toBe(log.stats().segments);
    await log.close();

    const reopened = await EventLog.open({ dir, segmentBytes: 4096 });
    expect(reopened.stats().backlogRows).toBe(20);
    expect(await readAll(reopened)).toEqual(Array.from({ length: 20 }, (_, i) => `r${i + 10}`));
    await reopened.advance(reopened.end, 20);
    expect(await listSegments(dir)).toHaveLength(1);
    expect(reopened.stats().backlogBytes).toBe(0);
    await reopened.close();
  });

  it('refuses a second open of a directory in use, and takes over the lock of a dead process', async () => {
    const dir = tempDir();
    const log = await EventLog.open({ dir });
    await expect(EventLog.open({ dir })).rejects.toThrow(/already open/);
    await log.close();
    fs.writeFileSync(path.join(dir, 'LOCK'), String(process.ppid)); // a live process that is not us
    await expect(EventLog.open({ dir })).rejects.toThrow(/in use by process/);
    fs.writeFileSync(path.join(dir, 'LOCK'), '999999999'); // no such process
    const reopened = await EventLog.open({ dir });
    await reopened.close();
  });
});
