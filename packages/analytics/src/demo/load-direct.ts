// Loads demo traffic straight into ClickHouse in large batches: no HTTP, no log. Every call goes into
// `calls`, whose view (migration 0003) feeds calls_delta +1 and the rollups in the same statement;
// demo ids are fresh, so no resent-id lookup is needed.
import { insertCalls, type ClickHouse } from '@margin/clickhouse';
import type { RowBatch } from '@margin/core';
import { generateDemo, type DemoOptions } from './generate.ts';
import { HOUR_MS } from '../sql/index.ts';

export interface DemoProgress {
  calls: number;
  total: number;
  /** All rows inserted so far: calls, spans, traces and scores. */
  rows: number;
  seconds: number;
}

export interface LoadDemoOptions extends Omit<DemoOptions, 'batchSize'> {
  ch: ClickHouse;
  /** Calls per insert; larger batches make fewer parts. Default 50,000. */
  batchSize?: number;
  onProgress?: (progress: DemoProgress) => void;
}

export interface LoadDemoResult {
  calls: number;
  spans: number;
  traces: number;
  scores: number;
  seconds: number;
  /** Rows of all four tables per second. */
  rowsPerSecond: number;
}

async function insertRows(ch: ClickHouse, table: string, rows: readonly object[]): Promise<void> {
  if (rows.length === 0) return;
  // Every row of a table comes from one literal, so the first row's keys are every row's columns.
  const columns = Object.keys(rows[0]!) as [string, ...string[]];
  const values = rows.map((row) => columns.map((column) => (row as Record<string, unknown>)[column]));
  await ch.client.insert({ table, format: 'JSONCompactEachRow', columns, values, clickhouse_settings: { log_comment: `demo.load.${table}` } });
}

async function insertBatch(ch: ClickHouse, batch: RowBatch): Promise<void> {
  await insertCalls(ch, batch.calls, { log_comment: 'demo.load.calls' });
  // Content storage is off by default: a tool's input is kept only as its hash.
  await insertRows(ch, 'spans', batch.spans.map((span) => (span.input ? { ...span, input: '' } : span)));
  await insertRows(ch, 'traces', batch.traces);
  await insertRows(ch, 'scores', withCalls(batch));
}

/**
 * Each score with the call it names stored on it (migration 0017), as the loader stores it: the
 * demo's ids are all new and a score comes in the batch of its call, so that call is the newest copy.
 */
function withCalls(batch: RowBatch): object[] {
  const calls = new Map(batch.calls.map((call) => [call.id, call]));
  return batch.scores.map((score) => {
    const call = score.observation_id ? calls.get(score.observation_id) : undefined;
    return call
      ? { ...score, call_hour: Math.floor(call.timestamp / HOUR_MS) * 3600, call_name: call.name, call_model: call.model, call_version: call.version }
      : { ...score, call_hour: 0, call_name: '', call_model: '', call_version: 0 };
  });
}

export async function loadDemoDirect(options: LoadDemoOptions): Promise<LoadDemoResult> {
  const { ch, onProgress, ...demo } = options;
  const started = performance.now();
  const totals = { calls: 0, spans: 0, traces: 0, scores: 0 };
  const generator = generateDemo({ ...demo, batchSize: options.batchSize ?? 50_000 });
  let next = await generator.next();
  while (!next.done) {
    const batch = next.value;
    // chDB runs the insert off the event loop: build the next chunk meanwhile.
    [next] = await Promise.all([generator.next(), insertBatch(ch, batch)]);
    totals.calls += batch.calls.length;
    totals.spans += batch.spans.length;
    totals.traces += batch.traces.length;
    totals.scores += batch.scores.length;
    onProgress?.({
      calls: totals.calls,
      total: options.calls,
      rows: totals.calls + totals.spans + totals.traces + totals.scores,
      seconds: (performance.now() - started) / 1000,
    });
  }
  const seconds = (performance.now() - started) / 1000;
  const rows = totals.calls + totals.spans + totals.traces + totals.scores;
  return { ...totals, seconds, rowsPerSecond: rows / seconds };
}
