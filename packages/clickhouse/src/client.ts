// The one ClickHouse client factory: chDB (embedded, in-process) when no URL is given, HTTP otherwise.
// Both are `@clickhouse/client` clients, so every query and insert is the same code in both modes.
import { ClickHouseLogLevel, createClient, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import fs from 'node:fs';
import path from 'node:path';

export interface ClickHouseOptions {
  /** `http://host:8123`; unset: embedded chDB under `dataDir`. */
  url?: string | undefined;
  user?: string | undefined;
  password?: string | undefined;
  database?: string | undefined;
  /** Directory of the embedded store (chDB). */
  dataDir?: string | undefined;
}

export interface ClickHouse {
  client: ClickHouseClient;
  kind: 'chdb' | 'http';
  database: string;
  close(): Promise<void>;
}

/** Settings every query runs with: money stays a decimal string, timestamps parse leniently. */
export const BASE_SETTINGS: ClickHouseSettings = {
  output_format_json_quote_decimals: 1,
  output_format_json_quote_64bit_integers: 1,
  date_time_input_format: 'best_effort',
};

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
    return { client, kind: 'http', database, close: () => client.close() };
  }
  if (!options.dataDir) throw new Error('createClickHouse: set url, or dataDir for the embedded store');
  const dir = path.resolve(options.dataDir);
  fs.mkdirSync(dir, { recursive: true });
  const client = createClient({
    connection: createChdbConnection({ path: dir }),
    clickhouse_settings: BASE_SETTINGS,
    log: { level: ClickHouseLogLevel.OFF },
  } as Parameters<typeof createClient>[0]);
  return { client, kind: 'chdb', database, close: () => client.close() };
}
