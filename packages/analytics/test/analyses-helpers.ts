// Test helpers for the analyses: a fresh chDB store per test file and call/span/score rows with defaults.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyCallsPlan, createClickHouse, migrateClickHouse, planCalls, type ClickHouse } from '@margin/clickhouse';
import type { CallRow, ScoreRow, SpanRow } from '@margin/core';

export async function openStore(): Promise<ClickHouse> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'margin-analyses-'));
  const ch = await createClickHouse({ dataDir: dir });
  await migrateClickHouse(ch);
  return ch;
}

let seq = 0;
const nextId = (prefix: string) => `${prefix}-${++seq}`;

export const at = (iso: string): number => Date.parse(iso);

export function call(project: string, fields: Partial<CallRow> & { timestamp: number }): CallRow {
  return {
    project_id: project,
    id: nextId('call'),
    trace_id: '',
    parent_id: '',
    name: 'feature',
    user_id: '',
    session_id: '',
    environment: 'production',
    tags: [],
    metadata: {},
    provider: 'openai',
    model: 'gpt-4o-mini',
    status: 'ok',
    error_message: '',
    attempt: 1,
    batch: false,
    duration_ms: 100,
    ttft_ms: null,
    input_tokens: 0,
    output_tokens: 0,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    reasoning_tokens: 0,
    system_tokens: 0,
    tool_definition_tokens: 0,
    retrieval_tokens: 0,
    history_tokens: 0,
    tool_result_tokens: 0,
    user_input_tokens: null,
    cost_input: '0',
    cost_output: '0',
    cost_cache_read: '0',
    cost_cache_write: '0',
    cost_total: '0',
    price_source: 'catalog',
    input_price: '0',
    output_price: '0',
    cache_read_price: '0',
    cache_write_price: '0',
    input: '',
    output: '',
    retention_days: 0,
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

/** Calls go in as the loader puts them (so the rollups count a resent id once); spans and scores directly. */
export async function insert(ch: ClickHouse, table: 'calls' | 'spans' | 'scores', values: object[]): Promise<void> {
  if (table === 'calls') {
    await applyCallsPlan(ch, await planCalls(ch, values as CallRow[]));
    return;
  }
  await ch.client.insert({ table, values, format: 'JSONEachRow' });
}
