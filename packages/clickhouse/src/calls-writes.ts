// Counts the statements that may add rows to `calls` (or `call_keys`) in this process, so that the
// loader's filter of stored ids (stored-ids.ts) knows when someone else wrote there since it was
// seeded. Embedded ClickHouse has one process per data directory, so this process sees every write.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Readable } from 'node:stream';
import type { Connection } from 'chdb/connection';

/**
 * A statement that may bring ids into calls: an insert into calls or call_keys, or any DDL that
 * names them (attach, rename, exchange, replace partition, a migration). Deletes cannot add ids, so
 * they may pass uncounted; anything unsure counts (a false count costs the filter a reseed).
 */
const WRITES_CALLS = /^\s*(?:INSERT|ALTER|ATTACH|RENAME|EXCHANGE|CREATE|REPLACE|RESTORE|MOVE)\b[\s\S]*?\bcall(?:s|_keys)\b/i;

export const writesCalls = (sql: string): boolean => WRITES_CALLS.test(sql);

/** Whose writes a filter has already accounted for: its own. */
export interface WriteOwner {
  writes: number;
}

export class CallsWrites {
  /** Bumped when a write to calls is issued and again when it settles. */
  private total = 0;
  private readonly owner = new AsyncLocalStorage<WriteOwner>();

  /** Runs `fn`; the writes to calls it issues are counted for `owner` too. */
  asOwner<T>(owner: WriteOwner, fn: () => Promise<T>): Promise<T> {
    return this.owner.run(owner, fn);
  }

  /** The count so far: a filter seeded now is sound while `count() - seededAt` equals its own writes since. */
  count(): number {
    return this.total;
  }

  /** Runs a statement, counted when it writes calls (at issue and at settle, so a write in flight during a seed counts after it). */
  async watch<T>(sql: string, statement: () => Promise<T>): Promise<T> {
    if (!writesCalls(sql)) return statement();
    const owner = this.owner.getStore();
    this.bump(owner);
    try {
      return await statement();
    } finally {
      this.bump(owner);
    }
  }

  private bump(owner: WriteOwner | undefined): void {
    this.total++;
    if (owner) owner.writes++;
  }
}

const REGISTRY = Symbol.for('margin.clickhouse.calls-writes');

/**
 * The counter of a data directory, one per process: several clients on one path share one engine
 * (and a bundler may load this module twice), so it lives on globalThis under a registered symbol.
 */
export function callsWritesFor(dir: string): CallsWrites {
  const registry = ((globalThis as Record<symbol, unknown>)[REGISTRY] ??= new Map<string, CallsWrites>()) as Map<string, CallsWrites>;
  let writes = registry.get(dir);
  if (!writes) registry.set(dir, (writes = new CallsWrites()));
  return writes;
}

/** The connection with every statement watched (chDB's raw insert is watched in client.ts). */
export function watchConnection(connection: Connection<Readable>, writes: CallsWrites): Connection<Readable> {
  return {
    ping: (params) => connection.ping(params),
    query: (params) => writes.watch(params.query, () => connection.query(params)),
    insert: (params) => writes.watch(params.query, () => connection.insert(params)),
    command: (params) => writes.watch(params.query, () => connection.command(params)),
    exec: (params) => writes.watch(params.query, () => connection.exec(params)),
    close: () => connection.close(),
  };
}
