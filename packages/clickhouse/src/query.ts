// A thin query wrapper: typed `{name: Type}` parameters, a `log_comment` tag per query, and a retry
// of socket errors. Repositories call `queryRows` / `command`; nothing else talks SQL to the client.
import type { ClickHouseSettings } from '@clickhouse/client';
import type { ClickHouse } from './client.ts';

export interface QueryOptions {
  /** Shown in system.query_log as log_comment, e.g. `metrics.spend_by_day`. */
  tag: string;
  params?: Record<string, unknown>;
  settings?: ClickHouseSettings;
}

const RETRYABLE = /ECONNRESET|socket hang up|EPIPE|ECONNREFUSED/;

async function withRetry<T>(fn: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (attempt >= attempts || !RETRYABLE.test(message)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}

export async function queryRows<T>(ch: ClickHouse, sql: string, options: QueryOptions): Promise<T[]> {
  return withRetry(async () => {
    const result = await ch.client.query({
      query: sql,
      format: 'JSONEachRow',
      query_params: options.params ?? {},
      clickhouse_settings: { log_comment: options.tag, ...options.settings },
    });
    return (await result.json()) as T[];
  });
}

export async function command(ch: ClickHouse, sql: string, options: QueryOptions): Promise<void> {
  await withRetry(() =>
    ch.client.command({
      query: sql,
      query_params: options.params ?? {},
      clickhouse_settings: { log_comment: options.tag, ...options.settings },
    }),
  );
}

export async function pingClickHouse(ch: ClickHouse): Promise<boolean> {
  try {
    const rows = await queryRows<{ ok: number }>(ch, 'SELECT 1 AS ok', { tag: 'health' });
    return rows[0]?.ok === 1;
  } catch {
    return false;
  }
}
