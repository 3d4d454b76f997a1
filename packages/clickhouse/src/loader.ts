// Moves the event log into ClickHouse in large batches: reads from the checkpoint, inserts calls
// (resent ids resolved, see calls-upsert.ts), spans, traces and scores, and only then advances the
// checkpoint. Runs continuously, woken by appends; replay() at start-up, drain() at shutdown.
import { EventEmitter } from 'node:events';
import type { ClickHouseSettings } from '@clickhouse/client';
import type { RowBatch } from '@margin/core';
import type { ClickHouse } from './client.ts';
import { applyCallsPlan, planCalls, type CallsPlan } from './calls-upsert.ts';
import type { EventLog } from './event-log.ts';
import { SCORE_COLUMNS, SPAN_COLUMNS, TRACE_COLUMNS, insertCompact } from './table-columns.ts';

export interface LoaderOptions {
  /** Rows per load: ClickHouse wants few large inserts (each one is a part and an fsync). */
  batchRows?: number;
  /** After an append wakes an idle loader, wait this long so that more appends join the load. */
  delayMs?: number;
  /** Pause after a failed load before the next try. */
  retryMs?: number;
  onError?: (error: unknown) => void;
}

export interface LoaderStats {
  loadedRows: number;
  loads: number;
  lastLoadMs: number;
  lastLoadRows: number;
}

/** Loads one batch into every table; calls first, as they carry the corrections. */
export async function loadBatch(ch: ClickHouse, batch: RowBatch, settings: ClickHouseSettings = {}, plan?: CallsPlan): Promise<void> {
  const calls = plan ?? (await planCalls(ch, batch.calls));
  await applyCallsPlan(ch, calls, settings);
  await insertCompact(ch, 'spans', SPAN_COLUMNS, batch.spans, settings);
  await insertCompact(ch, 'traces', TRACE_COLUMNS, batch.traces, settings);
  await insertCompact(ch, 'scores', SCORE_COLUMNS, batch.scores, settings);
}

export class Loader {
  private running = false;
  private stopping = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  /** Cuts the batching delay short: flush and drain want the load now. */
  private hurry: (() => void) | undefined;
  private busy: Promise<unknown> = Promise.resolve();
  private readonly events = new EventEmitter();
  /** The plan of a load that failed part-way: a retry of the same range must not plan again. */
  private pending: { from: number; end: number; plan: CallsPlan } | undefined;
  /** The next range, read and parsed while ClickHouse inserts the current one. */
  private prefetched: { from: number; read: ReturnType<EventLog['read']> } | undefined;
  private counters: LoaderStats = { loadedRows: 0, loads: 0, lastLoadMs: 0, lastLoadRows: 0 };
  private readonly batchRows: number;
  private readonly delayMs: number;
  private readonly retryMs: number;
  private readonly onError: (error: unknown) => void;
  private readonly onDurable = () => this.wake?.();

  constructor(
    private readonly ch: ClickHouse,
    private readonly log: EventLog,
    options: LoaderOptions = {},
  ) {
    this.batchRows = options.batchRows ?? 50_000;
    this.delayMs = options.delayMs ?? 50;
    this.retryMs = options.retryMs ?? 1000;
    this.onError = options.onError ?? ((error) => console.error('[margin] event log load failed:', error));
  }

  /** Loads one batch from the checkpoint; false when the log holds nothing more. One at a time. */
  loadOnce(): Promise<boolean> {
    const next = this.busy.then(() => this.loadNext());
    this.busy = next.catch(() => undefined);
    return next;
  }

  private async loadNext(): Promise<boolean> {
    const from = this.log.checkpoint;
    if (from >= this.log.end) return false;
    const started = performance.now();
    const read = this.prefetched?.from === from ? this.prefetched.read : this.log.read(from, this.batchRows);
    this.prefetched = undefined;
    const { records, end } = await read;
    if (records.length === 0) return false;
    if (end < this.log.end) {
      const next = this.log.read(end, this.batchRows);
      next.catch(() => undefined); // a failed prefetch is read again, and fails, in the next load
      this.prefetched = { from: end, read: next };
    }
    const batch: RowBatch = { calls: [], spans: [], traces: [], scores: [] };
    let rows = 0;
    for (const record of records) {
      for (const call of record.batch.calls) batch.calls.push(call);
      for (const span of record.batch.spans) batch.spans.push(span);
      for (const trace of record.batch.traces) batch.traces.push(trace);
      for (const score of record.batch.scores) batch.scores.push(score);
      rows += record.rows;
    }
    if (this.pending?.from !== from || this.pending.end !== end) {
      this.pending = { from, end, plan: await planCalls(this.ch, batch.calls) };
    }
    await loadBatch(this.ch, batch, {}, this.pending.plan);
    await this.log.advance(end, rows);
    this.pending = undefined;
    const elapsedMs = performance.now() - started;
    this.counters = { loadedRows: this.counters.loadedRows + rows, loads: this.counters.loads + 1, lastLoadMs: elapsedMs, lastLoadRows: rows };
    if (rows >= 1000) this.log.loadRate = rows / (elapsedMs / 1000);
    return true;
  }

  /** Start-up: loads everything the log holds, before the server opens its port. */
  async replay(): Promise<void> {
    while (await this.loadOnce());
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopping = false;
    this.log.on('durable', this.onDurable);
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      if (this.log.checkpoint >= this.log.end) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        if (!this.stopping) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, this.delayMs);
            this.hurry = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          this.hurry = undefined;
        }
        continue;
      }
      try {
        await this.loadOnce();
      } catch (error) {
        this.onError(error);
        this.events.emit('load-error', error);
        if (!this.stopping) await sleep(this.retryMs);
      }
    }
  }

  /** Resolves once everything durable so far is in ClickHouse; rejects on the next failed load. */
  async flush(): Promise<void> {
    const target = this.log.end;
    while (this.log.checkpoint < target) {
      if (!this.running) {
        await this.loadOnce();
        continue;
      }
      await new Promise<void>((resolve, reject) => {
        const done = () => {
          this.log.off('advanced', done);
          this.events.off('load-error', failed);
          resolve();
        };
        const failed = (error: unknown) => {
          this.log.off('advanced', done);
          this.events.off('load-error', failed);
          reject(error instanceof Error ? error : new Error(String(error)));
        };
        this.log.on('advanced', done);
        this.events.on('load-error', failed);
        this.wake?.();
        this.hurry?.();
      });
    }
  }

  /** Shutdown: stops the loop, then loads whatever is left. */
  async drain(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    this.hurry?.();
    await this.loop;
    this.log.off('durable', this.onDurable);
    this.running = false;
    while (await this.loadOnce());
  }

  stats(): LoaderStats {
    return { ...this.counters };
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
