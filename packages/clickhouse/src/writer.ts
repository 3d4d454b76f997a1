// The interface ingestion writes through: `write` resolves when a batch is durable. Embedded
// (chDB): a local event log acknowledges and a loader moves it into ClickHouse. A ClickHouse server:
// ClickHouse's own async insert acknowledges, no local state.
import type { RowBatch } from '@margin/core';
import type { ClickHouse } from './client.ts';
import { EventLog, type EventLogOptions } from './event-log.ts';
import { Loader, loadBatch, type LoaderOptions, type TurnTimes } from './loader.ts';

export interface EventWriter {
  /** Resolves when the batch is durable; rejects with BacklogFullError when the store is behind. */
  write(batch: RowBatch): Promise<void>;
  /** Resolves when everything written so far is in ClickHouse (tests and shutdown). */
  flush(): Promise<void>;
  /** Loads whatever is left, then stops. */
  close(): Promise<void>;
  stats(): { backlogRows: number; backlogBytes: number; loadedRows: number; lastLoadMs: number; turnMs?: TurnTimes; lookups?: number; lookupsSkipped?: number };
}

export type EventWriterOptions = { ch: ClickHouse; dir: string } & Omit<EventLogOptions, 'dir'> & LoaderOptions;

/** Opens the log, replays what it still holds into ClickHouse, then keeps loading in the background. */
export async function createEventWriter(options: EventWriterOptions): Promise<EventWriter> {
  const { ch, dir, segmentBytes, maxBacklogBytes, maxBacklogRows, ...loaderOptions } = options;
  const log = await EventLog.open({ dir, segmentBytes, maxBacklogBytes, maxBacklogRows });
  const loader = new Loader(ch, log, loaderOptions);
  try {
    await loader.replay();
  } catch (error) {
    await log.close();
    throw error;
  }
  loader.start();
  let closing: Promise<void> | undefined;
  return {
    write: (batch) => log.append(batch),
    flush: async () => {
      await log.settled(); // writes not yet acknowledged count as written too
      await loader.flush();
    },
    close: () =>
      (closing ??= (async () => {
        await log.close(); // refuses new appends, waits for queued ones
        await loader.drain();
      })()),
    stats: () => {
      const logStats = log.stats();
      const loaderStats = loader.stats();
      return {
        backlogRows: logStats.backlogRows,
        backlogBytes: logStats.backlogBytes,
        loadedRows: loaderStats.loadedRows,
        lastLoadMs: loaderStats.lastLoadMs,
        turnMs: loaderStats.turnMs,
        lookups: loaderStats.lookups,
        lookupsSkipped: loaderStats.lookupsSkipped,
      };
    },
  };
}

/**
 * For a ClickHouse server: each write is an async insert that returns once ClickHouse has flushed
 * it to the (fsynced) tables. The resent-id lookup runs per write; two ingest instances writing the
 * same id at the same moment can both miss the other's copy (see the report of the log's author).
 */
export function createAsyncInsertWriter(ch: ClickHouse): EventWriter {
  let loadedRows = 0;
  let lastLoadMs = 0;
  const inFlight = new Set<Promise<void>>();
  const write = async (batch: RowBatch): Promise<void> => {
    const started = performance.now();
    await loadBatch(ch, batch, { async_insert: 1, wait_for_async_insert: 1 });
    lastLoadMs = performance.now() - started;
    loadedRows += batch.calls.length + batch.spans.length + batch.traces.length + batch.scores.length;
  };
  return {
    write(batch) {
      const promise = write(batch).finally(() => inFlight.delete(promise));
      inFlight.add(promise);
      return promise;
    },
    // A resolved write is already in ClickHouse; flush only waits for those still running.
    flush: async () => {
      await Promise.allSettled([...inFlight]);
    },
    close: async () => {
      await Promise.allSettled([...inFlight]);
    },
    stats: () => ({ backlogRows: 0, backlogBytes: 0, loadedRows, lastLoadMs }),
  };
}

/**
 * The writer for a client. chDB runs one statement at a time, so an acknowledgement that waited on
 * an insert would wait behind any dashboard query: the local log it is. A ClickHouse server runs
 * statements concurrently and an ingest instance behind a load balancer should hold no state of its
 * own (a container's disk can vanish with the container), so there ClickHouse's async insert
 * acknowledges: durable on the server's fsynced tables, batched by the server, no replay to run.
 */
export async function createWriterFor(ch: ClickHouse, dir: string, options: Omit<EventWriterOptions, 'ch' | 'dir'> = {}): Promise<EventWriter> {
  if (ch.kind === 'http') return createAsyncInsertWriter(ch);
  return createEventWriter({ ch, dir, ...options });
}
