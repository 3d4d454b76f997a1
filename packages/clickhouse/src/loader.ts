// Moves the event log into ClickHouse in large batches: reads from the checkpoint, inserts calls
// (resent ids resolved, see calls-upsert.ts), spans, traces and scores, and only then advances the
// checkpoint. Runs continuously, woken by appends; replay() at start-up, drain() at shutdown.
import { EventEmitter } from 'node:events';
import type { ClickHouseSettings } from '@clickhouse/client';
import type { RowBatch } from '@margin/core';
import type { ClickHouse } from './client.ts';
import { applyCallsPlan, newestPerId, planCalls, type CallsPlan } from './calls-upsert.ts';
import { loadPrepared, planPrepared, type PreparedPlan } from './load-prepared.ts';
import { createLoadPreparer, type LoadPreparer } from './load-preparer.ts';
import type { PreparedLoad } from './load-prepare.ts';
import type { EventLog } from './event-log.ts';
import { isDataError, Quarantine } from './quarantine.ts';
import type { LogRecord } from './log-segment.ts';
import { SCORE_COLUMNS, SPAN_COLUMNS, TRACE_COLUMNS, insertCompact } from './table-columns.ts';
import { resolveScoreCalls } from './score-calls.ts';
import { StoredIds, hashIds, type StoredIdsStats } from './stored-ids.ts';

export interface LoaderOptions {
  /** Rows per load: ClickHouse wants few large inserts (each one is a part and an fsync). */
  batchRows?: number;
  /** After an append wakes an idle loader, wait this long so that more appends join the load. */
  delayMs?: number;
  /** Pause after a failed load before the next try. */
  retryMs?: number;
  /** While the backlog is small, start a load at most this often (ms): loads go ahead of queued queries. */
  turnMs?: number;
  onError?: (error: unknown) => void;
  /** Failed tries of one range before it is loaded record by record, and of one record before it is set aside. */
  quarantineAfter?: number;
  /**
   * Settings of a load's raw inserts (the worker path's calls, spans, traces and scores; see
   * loadPrepared for why not the others). Default `optimize_on_insert: 0`: every rollup view groups
   * by its table's whole sorting key and a load holds one copy per id, so merging each new part on
   * insert finds nothing to merge, yet it took about a third of a 50,000-row load's engine time
   * (bench/ingest/turn-cost.ts), time no dashboard query can use.
   */
  insertSettings?: ClickHouseSettings;
  /**
   * Read, parse and encode loads in a worker thread (default), so that the thread answering HTTP
   * never stalls on them; false: in this thread, as before (kept to measure the difference).
   */
  worker?: boolean;
  /**
   * Keep a filter of the ids already stored (stored-ids.ts) so that a load of new ids skips the
   * resent-id lookup (default on; embedded store only, off for a ClickHouse server).
   */
  storedIds?: boolean;
  /** Ids the filter holds at most (16 bytes each, or 32 while growing); past it, every load looks up. */
  maxStoredIds?: number;
}

export interface LoaderStats {
  loadedRows: number;
  loads: number;
  lastLoadMs: number;
  lastLoadRows: number;
  /** Records ClickHouse refused as data, moved to `<log dir>/rejected/` so the rest keeps loading. */
  rejectedRecords: number;
  /** Where loads are read and encoded: the worker thread, this thread after the worker failed, or this thread by option. */
  prepare: 'worker' | 'inline' | 'off';
  /** Loads read and encoded in the worker thread. */
  workerLoads: number;
  /** Where the loader's turns with the engine went (ms, cumulative): what dashboards wait for. */
  turnMs: TurnTimes;
  /** Loads planned with a resent-id lookup, and without one (the filter held none of their ids). */
  lookups: number;
  lookupsSkipped: number;
  storedIds?: StoredIdsStats;
}

export interface TurnTimes {
  /** Holding the engine while the worker still prepared the range. */
  prepare: number;
  lookup: number;
  insert: number;
  /** Writing the checkpoint (fsynced). */
  advance: number;
}

/** The loader's insert settings unless told otherwise (see LoaderOptions.insertSettings). */
export const LOAD_SETTINGS: ClickHouseSettings = { optimize_on_insert: 0 };

/** Loads one batch into every table; calls first, as they carry the corrections. */
export async function loadBatch(ch: ClickHouse, batch: RowBatch, settings: ClickHouseSettings = {}, plan?: CallsPlan): Promise<void> {
  const calls = plan ?? (await planCalls(ch, batch.calls));
  await applyCallsPlan(ch, calls, settings);
  // Within a batch, one copy per id: spans are sorted by hour too, so two copies of an id in
  // different hours would both survive FINAL. Across batches that case is not handled for spans.
  await insertCompact(ch, 'spans', SPAN_COLUMNS, newestPerId(batch.spans), settings);
  await insertCompact(ch, 'traces', TRACE_COLUMNS, newestPerId(batch.traces), settings);
  const scores = newestPerId(batch.scores);
  await insertCompact(ch, 'scores', SCORE_COLUMNS, scores, settings);
  await resolveScoreCalls(ch, scores);
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
  private pendingPrepared: { from: number; end: number; plan: PreparedPlan } | undefined;
  /** The next range, read and parsed while ClickHouse inserts the current one. */
  private prefetched: { from: number; read: ReturnType<EventLog['read']> } | undefined;
  private prefetchedLoad: { from: number; load: Promise<PreparedLoad> } | undefined;
  /** Loads of the current turn that are in ClickHouse, the checkpoint not yet past them. */
  private loadedUpTo: { end: number; rows: number } | undefined;
  private readonly preparer: LoadPreparer | undefined;
  private counters: Omit<LoaderStats, 'prepare' | 'workerLoads' | 'turnMs' | 'storedIds'> = {
    loadedRows: 0,
    loads: 0,
    lastLoadMs: 0,
    lastLoadRows: 0,
    rejectedRecords: 0,
    lookups: 0,
    lookupsSkipped: 0,
  };
  private readonly stored: StoredIds | undefined;
  private readonly turnTimes: TurnTimes = { prepare: 0, lookup: 0, insert: 0, advance: 0 };
  /** Up to this offset, load one record at a time: a batch there kept failing. */
  private readonly quarantine: Quarantine;
  private readonly batchRows: number;
  private readonly delayMs: number;
  private readonly retryMs: number;
  private readonly turnMs: number;
  private readonly insertSettings: ClickHouseSettings;
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
    this.turnMs = options.turnMs ?? 250;
    this.insertSettings = options.insertSettings ?? LOAD_SETTINGS;
    this.quarantine = new Quarantine(options.quarantineAfter ?? 5);
    this.onError = options.onError ?? ((error) => console.error('[margin] event log load failed:', error));
    this.preparer = options.worker === false ? undefined : createLoadPreparer({ onError: this.onError });
    this.stored = options.storedIds === false ? undefined : StoredIds.for(ch, options.maxStoredIds ?? 8_000_000);
  }

  /** A turn with the engine: ahead of queued queries, its writes to calls the filter's own. */
  private turn<T>(fn: () => Promise<T>): Promise<T> {
    const stored = this.stored;
    if (!stored) return this.ch.first(fn);
    return this.ch.first(() =>
      stored.asOwner(async () => {
        await stored.refresh();
        return fn();
      }),
    );
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
    const narrow = from < this.quarantine.narrowUntil;
    // Record by record (hunting a refused record) stays on the plain path: it needs the records.
    if (this.preparer && !narrow) return this.loadNextPrepared(from, this.preparer);
    const started = performance.now();
    const read = this.prefetched?.from === from && !narrow ? this.prefetched.read : this.log.read(from, narrow ? 1 : this.batchRows);
    this.prefetched = undefined;
    let { records, end } = await read;
    if (records.length === 0) return false;
    if (narrow) {
      records = records.slice(0, 1);
      end = records[0]!.end;
    } else if (end < this.log.end) {
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
    try {
      // Ahead of queued dashboard queries, and holding the engine from the lookup to the last insert.
      await this.turn(async () => {
        if (this.pending?.from !== from || this.pending.end !== end) {
          // This path always looks up; the filter learns the ids all the same.
          const projects = [...new Set(batch.calls.map((c) => c.project_id))];
          const slot = new Map(projects.map((p, i) => [p, i]));
          const projectIndex = Uint32Array.from(batch.calls, (c) => slot.get(c.project_id)!);
          await this.stored?.admit({ count: batch.calls.length, projects, projectIndex, idHashes: hashIds(batch.calls.map((c) => c.id)) });
          this.pending = { from, end, plan: await planCalls(this.ch, batch.calls) };
          this.counters.lookups++;
        }
        await loadBatch(this.ch, batch, {}, this.pending.plan); // client.insert, without insertSettings (see loadPrepared)
      });
      await this.log.advance(end, rows);
    } catch (error) {
      if (await this.failed(error, from, end, records.length, async () => records[0])) return true;
      throw error;
    }
    this.pending = undefined;
    this.loaded(started, rows);
    return true;
  }

  /**
   * The worker path: records read, parsed and encoded off this thread; here only lookups and inserts.
   * One turn with the engine loads the ready range and then everything acknowledged before the turn
   * began (up to batchRows more rows): a range prepared before a long query must not leave the
   * events acknowledged during that query for the turn after the next query.
   */
  private async loadNextPrepared(from: number, preparer: LoadPreparer): Promise<boolean> {
    // The turn is asked for at once and the range prepared meanwhile: a turn asked for only once the
    // range is ready could come after the next dashboard query has started, a whole query later.
    const ready = this.takePrepared(from, preparer);
    ready.catch(() => undefined); // awaited (and thrown) in the turn
    try {
      return await this.turn(async () => {
        let mark = performance.now();
        let load = await ready;
        this.turnTimes.prepare += performance.now() - mark;
        if (load.records === 0) return false;
        const target = this.log.end;
        let rowsThisTurn = 0;
        let start = from;
        for (;;) {
          const next = this.log.end > load.end ? this.prefetch(load.end, preparer) : undefined;
          const started = performance.now();
          if (!(await this.applyPrepared(load, start))) return true; // set aside: the next turn goes on from there
          this.loaded(started, load.rows);
          rowsThisTurn += load.rows;
          if (!next || load.end >= target || rowsThisTurn >= this.batchRows) return true;
          start = load.end;
          mark = performance.now();
          load = await this.takePrepared(start, preparer);
          this.turnTimes.prepare += performance.now() - mark;
          if (load.records === 0) return true;
        }
      });
    } finally {
      // The checkpoint (two fsyncs) after the turn, not in it: dashboards need not wait for the disk.
      await this.advanceLoaded();
    }
  }

  /** Writes the checkpoint past the loads inserted so far (a crash before it replays them: no copy is added twice). */
  private async advanceLoaded(): Promise<void> {
    const loaded = this.loadedUpTo;
    if (!loaded) return;
    this.loadedUpTo = undefined;
    const mark = performance.now();
    await this.log.advance(loaded.end, loaded.rows);
    this.turnTimes.advance += performance.now() - mark;
  }

  private prefetch(from: number, preparer: LoadPreparer): Promise<PreparedLoad> {
    const load = preparer.prepare(this.log.dir, this.log.spans(), this.log.end, from, this.batchRows);
    load.catch(() => undefined); // a failed prefetch is prepared again, and fails, when it is taken
    this.prefetchedLoad = { from, load };
    return load;
  }

  private takePrepared(from: number, preparer: LoadPreparer): Promise<PreparedLoad> {
    const prefetched = this.prefetchedLoad?.from === from ? this.prefetchedLoad.load : undefined;
    this.prefetchedLoad = undefined;
    return prefetched ?? preparer.prepare(this.log.dir, this.log.spans(), this.log.end, from, this.batchRows);
  }

  /**
   * Plans (once per range, kept across retries) and inserts the load that starts at `from`; the
   * checkpoint follows after the turn (advanceLoaded). False when its record was set aside.
   */
  private async applyPrepared(load: PreparedLoad, from: number): Promise<boolean> {
    const { end, rows } = load;
    try {
      let mark = performance.now();
      if (this.pendingPrepared?.from !== from || this.pendingPrepared.end !== end) {
        const plan = await planPrepared(this.ch, load.calls, this.stored);
        this.pendingPrepared = { from, end, plan };
        if (plan.lookedUp) this.counters.lookups++;
        else this.counters.lookupsSkipped++;
      }
      this.turnTimes.lookup += performance.now() - mark;
      mark = performance.now();
      await loadPrepared(this.ch, load, this.pendingPrepared.plan, this.insertSettings);
      this.turnTimes.insert += performance.now() - mark;
    } catch (error) {
      await this.advanceLoaded(); // the loads before this one in the turn are in: setting one aside moves past them
      if (await this.failed(error, from, end, load.records, async () => (await this.log.read(from, 1)).records[0])) return false;
      throw error;
    }
    this.pendingPrepared = undefined;
    this.loadedUpTo = { end, rows: (this.loadedUpTo?.rows ?? 0) + rows };
    return true;
  }

  /** Counts a failed load of [from, end); true when its one record was set aside (the load is done). */
  private async failed(error: unknown, from: number, end: number, records: number, first: () => Promise<LogRecord | undefined>): Promise<boolean> {
    const record = await this.quarantine.failed(error, from, end, records, first);
    if (!record) return false;
    await this.setAside(record, from, error);
    return true;
  }

  private loaded(started: number, rows: number): void {
    const elapsedMs = performance.now() - started;
    this.counters = { ...this.counters, loadedRows: this.counters.loadedRows + rows, loads: this.counters.loads + 1, lastLoadMs: elapsedMs, lastLoadRows: rows };
    if (rows >= 1000) this.log.loadRate = rows / (elapsedMs / 1000);
  }

  /** Keeps a record ClickHouse refuses as data in `rejected/` (fsynced) and moves the checkpoint past it. */
  private async setAside(record: LogRecord, from: number, error: unknown): Promise<void> {
    const message = await this.quarantine.setAside(this.log.dir, record, from, error);
    await this.log.advance(record.end, record.rows);
    this.pending = undefined;
    this.pendingPrepared = undefined;
    this.counters.rejectedRecords++;
    this.onError(new Error(message));
  }

  /** Start-up: loads everything the log holds, before the server opens its port. */
  async replay(): Promise<void> {
    // The filter is seeded now, before the port opens, not in the first turn after it (seconds at millions of ids).
    await this.turn(async () => undefined);
    await this.loadAll();
  }

  /** Loads until the log is empty; refused data ends in rejected/, any other error is thrown. */
  private async loadAll(): Promise<void> {
    for (;;) {
      try {
        if (!(await this.loadOnce())) return;
      } catch (error) {
        if (!isDataError(error)) throw error;
        this.onError(error);
      }
    }
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopping = false;
    this.preparer?.warm(); // the thread boots now, not on the first event after start-up
    this.log.on('durable', this.onDurable);
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      if (this.log.checkpoint >= this.log.end) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        if (!this.stopping) await this.pause(this.delayMs);
        continue;
      }
      try {
        const started = performance.now();
        await this.loadOnce();
        // While the loader keeps up, a turn at most every turnMs: each turn goes ahead of the queued
        // dashboard statements, so back-to-back small turns would slow every one of them.
        const wait = this.turnMs - (performance.now() - started);
        if (wait > 0 && !this.stopping && this.log.stats().backlogRows < this.batchRows / 2) await this.pause(wait);
      } catch (error) {
        this.onError(error);
        this.events.emit('load-error', error);
        if (!this.stopping) await sleep(this.retryMs);
      }
    }
  }

  /** Waits `ms`, cut short by flush and drain. */
  private async pause(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.hurry = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.hurry = undefined;
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
    try {
      await this.loadAll();
    } finally {
      await this.preparer?.close();
    }
  }

  stats(): LoaderStats {
    return {
      ...this.counters,
      prepare: this.preparer?.mode ?? 'off',
      workerLoads: this.preparer?.workerLoads ?? 0,
      turnMs: { ...this.turnTimes },
      ...(this.stored ? { storedIds: this.stored.stats() } : {}),
    };
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
