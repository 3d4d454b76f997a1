// Test helpers for the analyses: a fresh chDB store per test file and call/span/score rows with defaults.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createClickHouse, migrateClickHouse, MIGRATIONS_DIR, type ClickHouse } from '@margin/clickhouse';
import type { CallRow, ScoreRow, SpanRow } from '@margin/core';

export async function openStore(): Promise<ClickHouse> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'margin-analyses-'));
  const ch = await createClickHouse({ dataDir: dir });
  // The analyses read the raw tables only (calls, spans, traces, scores): migrate just those, so the
  // rollup migrations other work adds on top cannot make these tests depend on them.
  const migrations = fs.mkdtempSync(path.join(os.tmpdir(), 'margin-analyses-migrations-'));
  for (const file of fs.readdirSync(MIGRATIONS_DIR).filter((f) => /^000[12]_.*\.sql$/.test(f))) {
    fs.copyFileSync(path.join(MIGRATIONS_DIR, file), path.join(migrations, file));
  }
  await migrateClickHouse(ch, migrations);
  return ch;
}

let seq = 0;
const nextId = (prefix: string) => `${prefix}-${++seq}`;

export const at = (iso: string): number => Date.parse(iso);

export function call(project: string, fields: Partial<CallRow> & { timestamp: number }): Partial<CallRow> {
  return {
    project_id: project,
    id: nextId('call'),
    trace_id: '',
    parent_id: '',
    name: 'feature',
    user_id: '',
    environment: 'production',
    provider: 'openai',
    model: 'gpt-4o-mini',
    status: 'ok',
    attempt: 1,
    batch: false,
    duration_ms: 100,
    input_tokens: 0,
    output_tokens: 0,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    user_input_tokens: null,
    cost_total: '0',
    price_source: 'catalog',
    input_price: '0',
    output_price: '0',
    cache_read_price: '0',
    cache_write_price: '0',
    version: 1,
    ...fields,
  };
}

export function span(project: string, fields: Partial<SpanRow> & { timestamp: number }): Partial<SpanRow> {
  return { project_id: project, id: nextId('span'), trace_id: '', parent_id: '', name: 'tool', kind: 'tool', status: 'ok', tool_name: '', input_hash: '0', version: 1, ...fields };
}

export function score(project: string, fields: Partial<ScoreRow> & { timestamp: number }): Partial<ScoreRow> {
  return { project_id: project, id: nextId('score'), trace_id: '', observation_id: '', name: 'quality', value: 0, version: 1, ...fields };
}

export async function insert(ch: ClickHouse, table: 'calls' | 'spans' | 'scores', values: object[]): Promise<void> {
  await ch.client.insert({ table, values, format: 'JSONEachRow' });
}
