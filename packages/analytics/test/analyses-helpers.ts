// Test helpers for the analyses: a fresh chDB store per test file and call/span/score rows with defaults.
import { applyCallsPlan, planCalls, resolveScoreCalls, type ClickHouse, type ScoreKey } from '@margin/clickhouse';
import { emptyCallRow, withCostParts, type CallRow, type ScoreRow, type SpanRow } from '@margin/core';
import { freshClickHouse } from './support/store.ts';

export const openStore = (): Promise<ClickHouse> => freshClickHouse('analyses');

let seq = 0;
const nextId = (prefix: string) => `${prefix}-${++seq}`;

export const at = (iso: string): number => Date.parse(iso);

export function call(project: string, fields: Partial<CallRow> & { timestamp: number }): CallRow {
  const row: CallRow = {
    ...emptyCallRow(project, nextId('call'), fields.timestamp),
    name: 'feature',
    provider: 'openai',
    model: 'gpt-4o-mini',
    duration_ms: 100,
    price_source: 'catalog',
    ...fields,
  };
  return withCostParts(row, fields);
}

export function span(project: string, fields: Partial<SpanRow> & { timestamp: number }): Partial<SpanRow> {
  return { project_id: project, id: nextId('span'), trace_id: '', parent_id: '', name: 'tool', kind: 'tool', status: 'ok', tool_name: '', input_hash: '0', version: 1, ...fields };
}

export function score(project: string, fields: Partial<ScoreRow> & { timestamp: number }): Partial<ScoreRow> {
  return { project_id: project, id: nextId('score'), trace_id: '', observation_id: '', name: 'quality', value: 0, version: 1, ...fields };
}

/** Calls and scores go in as the loader puts them (the rollups count a resent id once, a score stores its call); spans directly. */
export async function insert(ch: ClickHouse, table: 'calls' | 'spans' | 'scores', values: object[]): Promise<void> {
  if (table === 'calls') {
    await applyCallsPlan(ch, await planCalls(ch, values as CallRow[]));
    return;
  }
  await ch.client.insert({ table, values, format: 'JSONEachRow' });
  if (table === 'scores') await resolveScoreCalls(ch, values as ScoreKey[]);
}
