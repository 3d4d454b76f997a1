// Measures the raw ClickHouse insert ceiling for given call rows: pre-built batches straight into
// `calls`, no log and no resent-id lookup. Ingestion benchmarks compare their rows/s against it.
import type { CallRow } from '@margin/core';
import type { ClickHouse } from './client.ts';
import { CALL_COLUMNS, compactCalls, toStoredCall } from './table-columns.ts';

export interface InsertCeiling {
  rows: number;
  batches: number;
  seconds: number;
  rowsPerSecond: number;
  format: 'JSONCompactEachRow' | 'JSONEachRow';
}

/**
 * Inserts `rows` into `calls` in batches of `batchRows`, timing only the inserts (batches are built
 * first). The rows stay in the table; the +1 rows reach calls_delta's views as they would in use.
 */
export async function measureInsertCeiling(
  ch: ClickHouse,
  rows: readonly CallRow[],
  options: { batchRows?: number; format?: InsertCeiling['format'] } = {},
): Promise<InsertCeiling> {
  const batchRows = options.batchRows ?? 10_000;
  const format = options.format ?? 'JSONCompactEachRow';
  const batches: unknown[][] = [];
  for (let i = 0; i < rows.length; i += batchRows) {
    const slice = rows.slice(i, i + batchRows);
    batches.push(format === 'JSONCompactEachRow' ? compactCalls(slice) : slice.map(toStoredCall));
  }
  const started = performance.now();
  for (const values of batches) {
    await ch.client.insert({
      table: 'calls',
      format,
      values,
      ...(format === 'JSONCompactEachRow' ? { columns: CALL_COLUMNS as unknown as [string, ...string[]] } : {}),
      clickhouse_settings: { log_comment: 'bench.insert_ceiling' },
    });
  }
  const seconds = (performance.now() - started) / 1000;
  return { rows: rows.length, batches: batches.length, seconds, rowsPerSecond: rows.length / seconds, format };
}
