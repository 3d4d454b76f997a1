// A durable append-only log of row batches in a directory of segment files: ingestion acknowledges
// once its batch is fdatasync'ed here, and the loader moves the log into ClickHouse later.
//
// Records are length-prefixed and checksummed (log-record.ts).
// Offsets are global byte positions; a segment is named after the offset of its first byte, so a
// checkpoint (an offset) says which segments are fully loaded and may be deleted.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import type { RowBatch } from '@margin/core';
import { readCheckpoint, writeCheckpoint } from './log-checkpoint.ts';
import { BacklogFullError, batchRows, encodeRecord, syncDir, writeFully } from './log-record.ts';
import { acquireDirLock, releaseDirLock } from './log-lock.ts';
import { MAX_RECORD_BYTES, listSegments, readRecords, scanSegment, segmentPath, type LogRecord, type SegmentSpan } from './log-segment.ts';

export interface EventLogOptions {
  dir: string;
  /** Start a new segment once the current one holds this many bytes. */
  segmentBytes?: number;
  /** Appends are refused while the unloaded log holds more than this. */
  maxBacklogBytes?: number;
  maxBacklogRows?: number;
}

export interface EventLogStats {
  appends: number;
  /** One per group commit: fewer than appends under concurrency. */
  syncs: number;
  backlogBytes: number;
  backlogRows: number;
  segments: number;
  /** Bytes cut from a torn tail when the log was opened. */
  truncatedBytes: number;
}

interface Pending {
  record: Buffer;
  rows: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

type Segment = SegmentSpan;

/**
 * Segments are written with O_DSYNC where the platform has it: a write returns once its data is on
 * disk, as write + fdatasync did, in one trip to the thread pool instead of two. Each trip waits for
 * a turn of the thread answering HTTP, so under load the group commit took twice as long.
 */
const DSYNC = fs.constants.O_DSYNC ?? 0;
const CREATE_SEGMENT = DSYNC ? fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | DSYNC : 'wx';
const REOPEN_SEGMENT = DSYNC ? fs.constants.O_RDWR | DSYNC : 'r+';

export class EventLog extends EventEmitter {
  private segments: Segment[] = [];
  private active: fsp.FileHandle | undefined;
  private queue: Pending[] = [];
  private committing = false;
  private failed: Error | undefined;
  private closed = false;
  private checkpointOffset = 0;
  private durableEnd = 0;
  private durableRows = 0;
  private loadedRowsTotal = 0;
  private queuedBytes = 0;
  private queuedRows = 0;
  private counters = { appends: 0, syncs: 0, truncatedBytes: 0 };
  /** Rows per second the loader last achieved: sizes Retry-After. */
  loadRate = 10_000;

  private constructor(
    readonly dir: string,
    private readonly segmentBytes: number,
    private readonly maxBacklogBytes: number,
    private readonly maxBacklogRows: number,
  ) {
    super();
  }

  static async open(options: EventLogOptions): Promise<EventLog> {
    const log = new EventLog(
      path.resolve(options.dir),
      options.segmentBytes ?? 64 * 1024 * 1024,
      options.maxBacklogBytes ?? 512 * 1024 * 1024,
      options.maxBacklogRows ?? 2_000_000,
    );
    try {
      await log.recover();
    } catch (error) {
      await log.active?.close();
      await releaseDirLock(log.dir);
      throw error;
    }
    return log;
  }

  /** Reads the checkpoint, validates every unloaded record and cuts a torn tail. */
  private async recover(): Promise<void> {
    await fsp.mkdir(this.dir, { recursive: true });
    await acquireDirLock(this.dir);
    this.checkpointOffset = (await readCheckpoint(this.dir)).offset;
    const bases = await listSegments(this.dir);
    let end = this.checkpointOffset;
    for (let i = 0; i < bases.length; i++) {
      const base = bases[i]!;
      const file = segmentPath(this.dir, base);
      const size = (await fsp.stat(file)).size;
      if (base + size <= this.checkpointOffset && i < bases.length - 1) {
        await fsp.rm(file, { force: true }); // fully loaded; a crash came before its deletion
        continue;
      }
      const from = Math.max(0, this.checkpointOffset - base);
      const scan = await scanSegment(file, from, Number.MAX_SAFE_INTEGER, true);
      this.durableRows += scan.records.reduce((sum, r) => sum + r.rows, 0);
      const validEnd = from + scan.validBytes;
      if (validEnd < size) {
        // A torn or corrupt record: nothing after it was acknowledged intact, so cut here.
        this.counters.truncatedBytes += size - validEnd;
        const handle = await fsp.open(file, 'r+');
        await handle.truncate(validEnd);
        await handle.sync();
        await handle.close();
        // Later segments after a bad record mean damage, not a torn write: keep them for inspection.
        for (const later of bases.slice(i + 1)) {
          const laterFile = segmentPath(this.dir, later);
          this.counters.truncatedBytes += (await fsp.stat(laterFile)).size;
          await fsp.mkdir(path.join(this.dir, 'corrupt'), { recursive: true });
          await fsp.rename(laterFile, path.join(this.dir, 'corrupt', path.basename(laterFile)));
          console.error(`[margin] event log: segment ${laterFile} follows a corrupt record; moved to corrupt/`);
        }
        this.segments.push({ base, size: validEnd });
        end = base + validEnd;
        break;
      }
      this.segments.push({ base, size });
      end = base + size;
    }
    this.durableEnd = Math.max(end, this.checkpointOffset);
    if (this.segments.length === 0 || this.durableEnd > this.lastSegment().base + this.lastSegment().size) {
      await this.roll();
    } else {
      this.active = await fsp.open(segmentPath(this.dir, this.lastSegment().base), REOPEN_SEGMENT);
    }
    await syncDir(this.dir);
  }

  private lastSegment(): Segment {
    return this.segments[this.segments.length - 1]!;
  }

  private async roll(): Promise<void> {
    await this.active?.close();
    const base = this.durableEnd;
    this.active = await fsp.open(segmentPath(this.dir, base), CREATE_SEGMENT);
    this.segments.push({ base, size: 0 });
    await syncDir(this.dir); // the new file's directory entry must be durable before an ack
  }

  /** Resolves once the batch is on disk (O_DSYNC or fdatasync); concurrent appends share one durable write. */
  append(batch: RowBatch): Promise<void> {
    if (this.closed) return Promise.reject(new Error('event log is closed'));
    if (this.failed) return Promise.reject(this.failed);
    const rows = batchRows(batch);
    const payload = Buffer.from(JSON.stringify(batch));
    if (payload.length > MAX_RECORD_BYTES) return Promise.reject(new RangeError(`batch of ${payload.length} bytes exceeds the log's record limit`));
    const record = encodeRecord(payload, rows);
    const backlog = this.stats();
    if (backlog.backlogBytes + record.length > this.maxBacklogBytes || backlog.backlogRows + rows > this.maxBacklogRows) {
      const retryAfterSeconds = Math.min(60, Math.max(1, Math.ceil(backlog.backlogRows / Math.max(1, this.loadRate))));
      return Promise.reject(new BacklogFullError(retryAfterSeconds, `${backlog.backlogRows} rows, ${backlog.backlogBytes} bytes unloaded`));
    }
    this.counters.appends++;
    this.queuedBytes += record.length;
    this.queuedRows += rows;
    return new Promise((resolve, reject) => {
      this.queue.push({ record, rows, resolve, reject });
      if (!this.committing) void this.commitLoop();
    });
  }

  /** While one durable write runs, later appends queue up and go together in the next. */
  private async commitLoop(): Promise<void> {
    this.committing = true;
    while (this.queue.length > 0) {
      const group = this.queue.splice(0);
      const bytes = group.reduce((sum, p) => sum + p.record.length, 0);
      const rows = group.reduce((sum, p) => sum + p.rows, 0);
      this.queuedBytes -= bytes;
      this.queuedRows -= rows;
      try {
        if (this.failed) throw this.failed;
        if (this.lastSegment().size >= this.segmentBytes) await this.roll();
        const segment = this.lastSegment();
        const buffer = group.length === 1 ? group[0]!.record : Buffer.concat(group.map((p) => p.record), bytes);
        try {
          await writeFully(this.active!, buffer, segment.size);
          if (!DSYNC) await this.active!.datasync();
        } catch (error) {
          // Cut whatever part of the group reached the file, so later records follow intact ones.
          await this.active!.truncate(segment.size).catch(() => {
            this.failed = new Error(`event log unusable after a failed write: ${String(error)}`);
          });
          throw error;
        }
        this.counters.syncs++;
        segment.size += bytes;
        this.durableEnd += bytes;
        this.durableRows += rows;
        for (const p of group) p.resolve();
        this.emit('durable', this.durableEnd);
      } catch (error) {
        for (const p of group) p.reject(error);
      }
    }
    this.committing = false;
    this.emit('idle');
  }

  /** Reads durable records from `offset`, at least one and then up to `maxRows` rows. */
  async read(offset: number, maxRows: number): Promise<{ records: LogRecord[]; end: number }> {
    // A copy: advance() may drop loaded segments from the list while this read awaits.
    return readRecords(this.dir, this.spans(), this.durableEnd, offset, maxRows);
  }

  /** The segments and durable end, for a reader in another thread (see load-worker.ts). */
  spans(): SegmentSpan[] {
    return this.segments.map((s) => ({ base: s.base, size: s.size }));
  }

  get checkpoint(): number {
    return this.checkpointOffset;
  }

  get end(): number {
    return this.durableEnd;
  }

  get loadedRows(): number {
    return this.loadedRowsTotal;
  }

  /** Records that everything before `offset` is in ClickHouse, then deletes fully loaded segments. */
  async advance(offset: number, rows: number): Promise<void> {
    if (offset <= this.checkpointOffset) return;
    await writeCheckpoint(this.dir, { offset });
    this.checkpointOffset = offset;
    this.durableRows -= rows;
    this.loadedRowsTotal += rows;
    while (this.segments.length > 1 && this.segments[0]!.base + this.segments[0]!.size <= offset) {
      const done = this.segments.shift()!;
      await fsp.rm(segmentPath(this.dir, done.base), { force: true });
    }
    this.emit('advanced', offset);
  }

  stats(): EventLogStats {
    return {
      appends: this.counters.appends,
      syncs: this.counters.syncs,
      backlogBytes: this.durableEnd - this.checkpointOffset + this.queuedBytes,
      backlogRows: this.durableRows + this.queuedRows,
      segments: this.segments.length,
      truncatedBytes: this.counters.truncatedBytes,
    };
  }

  /** Resolves once every append made so far is written (or failed). */
  async settled(): Promise<void> {
    while (this.committing) await new Promise((resolve) => this.once('idle', resolve));
  }

  /** Waits for queued appends to be written, then closes the segment. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.settled();
    await this.active?.close();
    this.active = undefined;
    await releaseDirLock(this.dir);
  }
}

export { BacklogFullError, syncDir } from './log-record.ts';
