// The one ClickHouse client factory: chDB (embedded, in-process) when no URL is given, HTTP otherwise.
// Both are `@clickhouse/client` clients, so every query and insert is the same code in both modes.
import { ClickHouseLogLevel, createClient, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { callsWritesFor, watchConnection, type CallsWrites } from './calls-writes.ts';
import { scopeSettings } from './session-settings.ts';
import { StatementGate, gateConnection } from './statement-gate.ts';

export interface ClickHouseOptions {
  /** `http://host:8123`; unset: embedded chDB under `dataDir`. */
  url?: string | undefined;
  user?: string | undefined;
  password?: string | undefined;
  database?: string | undefined;
  /** Directory of the embedded store (chDB). */
  dataDir?: string | undefined;
  /** chDB: order statements through the two-level gate (default on; off only to measure without it). */
  statementGate?: boolean | undefined;
  /** chDB: the nice value of the engine's query and view threads (default `ENGINE_NICE`; 0 leaves them as they are). */
  engineNice?: number | undefined;
  /** chDB: how long a statement waits before a query holding the engine lets it in (default `YIELD_AFTER_MS`, statement-gate.ts). */
  yieldAfterMs?: number | undefined;
}

export interface ClickHouse {
  client: ClickHouseClient;
  kind: 'chdb' | 'http';
  database: string;
  close(): Promise<void>;
  /**
   * Runs `fn` ahead of queued queries, holding the engine until it settles (chDB: see
   * statement-gate.ts; a server runs statements concurrently, so there it just runs `fn`).
   */
  first<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * Runs the statements of `fn` back to back, in the queries' lane: one wait for the engine for
   * all of them (chDB: statement-gate.ts; on a server it just runs `fn`). For a query of several
   * statements; keep `fn` to them, the loader waits for all of it.
   */
  together<T>(fn: () => Promise<T>): Promise<T>;
  /** Inserts a body already encoded in `format` (one row per line), handed over as bytes. */
  insertRaw(
    table: string,
    columns: readonly string[],
    format: 'JSONCompactEachRow',
    body: Buffer,
    settings?: ClickHouseSettings,
  ): Promise<void>;
  /** chDB only: statements per lane and queue lengths. */
  gate?: StatementGate;
  /** chDB only: every write to calls in this process is counted (the loader's filter of stored ids relies on it). */
  callsWrites?: CallsWrites;
}

/** Settings every query runs with: money stays a decimal string, timestamps parse leniently. */
export const BASE_SETTINGS: ClickHouseSettings = {
  output_format_json_quote_decimals: 1,
  output_format_json_quote_64bit_integers: 1,
  date_time_input_format: 'best_effort',
  // ClickHouse compiles an aggregate expression with LLVM the third time it sees it, inside that
  // query: at 10M calls all_metrics' first runs in a process took 450-540 ms instead of 210-250, and
  // the dashboard runs many shapes of query. Compiled, it was no faster afterwards (bench/README.md).
  compile_aggregate_expressions: 0,
};

/**
 * chDB runs in this process, next to the thread that answers HTTP and commits the event log. When the
 * cores are short (2 here, with a load and a dashboard query), the engine's threads at the same
 * priority delay that thread's turns: a 2xx waits on queries after all. At nice 10 they yield to it
 * and still take every core left idle. ClickHouse applies it only with CAP_SYS_NICE (it resets the
 * value when a statement ends); without it the setting does nothing. Merges keep the server's value
 * (a server setting, which chDB does not take). Measured in bench/README.md, "The engine at nice 10".
 */
export const ENGINE_NICE = 10;

const niceSettings = (nice: number): ClickHouseSettings =>
  nice === 0 ? {} : { os_threads_nice_value_query: nice, os_threads_nice_value_materialized_view: nice };

export async function createClickHouse(options: ClickHouseOptions): Promise<ClickHouse> {
  const database = options.database ?? 'default';
  if (options.url) {
    const client = createClient({
      url: options.url,
      username: options.user ?? 'default',
      password: options.password ?? '',
      database,
      clickhouse_settings: BASE_SETTINGS,
      request_timeout: 60_000,
      // Errors reach the caller as exceptions; the client's own stderr logging would only repeat them.
      log: { level: ClickHouseLogLevel.OFF },
    });
    return {
      client,
      kind: 'http',
      database,
      close: () => client.close(),
      first: (fn) => fn(),
      together: (fn) => fn(),
      insertRaw: async (table, columns, format, body, settings = {}) => {
        if (body.length === 0) return;
        await client.exec({
          query: `INSERT INTO ${table} (${columns.join(', ')}) FORMAT ${format}`,
          values: Readable.from([body]),
          clickhouse_settings: settings,
        });
      },
    };
  }
  if (!options.dataDir) throw new Error('createClickHouse: set url, or dataDir for the embedded store');
  const dir = path.resolve(options.dataDir);
  fs.mkdirSync(dir, { recursive: true });
  const connection = createChdbConnection({ path: dir });
  const gated = options.statementGate !== false;
  const gate = new StatementGate(options.yieldAfterMs);
  const callsWrites = callsWritesFor(dir);
  const engineSettings = { ...BASE_SETTINGS, ...niceSettings(options.engineNice ?? ENGINE_NICE) };
  const scoped = scopeSettings(connection);
  const client = createClient({
    connection: watchConnection(gated ? gateConnection(scoped, gate) : scoped, callsWrites),
    clickhouse_settings: engineSettings,
    log: { level: ClickHouseLogLevel.OFF },
  } as Parameters<typeof createClient>[0]);
  return {
    client,
    kind: 'chdb',
    database,
    close: () => client.close(),
    first: (fn) => (gated ? gate.first(fn) : fn()),
    together: (fn) => (gated ? gate.together(fn) : fn()),
    // chDB's raw insert hands the Buffer to the engine as is: no string building on this thread.
    insertRaw: async (table, columns, format, body, settings = {}) => {
      if (body.length === 0) return;
      const merged: Record<string, string | number | boolean> = {};
      for (const [key, value] of Object.entries({ ...engineSettings, ...settings })) {
        if (value !== undefined) merged[key] = value as string | number | boolean;
      }
      const insert = () => connection.chdb.rawInsert({ table, columns, format, values: body, settings: merged });
      await callsWrites.watch(`INSERT INTO ${table}`, () => (gated ? gate.run(insert) : insert()));
    },
    callsWrites,
    ...(gated ? { gate } : {}),
  };
}
