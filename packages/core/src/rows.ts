// The rows Margin stores in ClickHouse, one type per table (packages/clickhouse/migrations).
// Field names are the column names. Money and prices are decimal strings (never floats),
// timestamps are epoch milliseconds, tokens are integers.

import { toDec } from './money.ts';
export type PriceSource = 'unknown' | 'catalog' | 'project' | 'client';
export type CallStatus = 'ok' | 'error';

export interface CallRow {
  project_id: string;
  id: string;
  timestamp: number;
  trace_id: string;
  parent_id: string;
  name: string;
  user_id: string;
  session_id: string;
  environment: string;
  tags: string[];
  metadata: Record<string, string>;
  provider: string;
  model: string;
  status: CallStatus;
  error_message: string;
  attempt: number;
  batch: boolean;
  duration_ms: number;
  ttft_ms: number | null;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  system_tokens: number;
  tool_definition_tokens: number;
  retrieval_tokens: number;
  history_tokens: number;
  tool_result_tokens: number;
  /** null: the call did not report its prompt anatomy. */
  user_input_tokens: number | null;
  cost_input: string;
  cost_output: string;
  cost_cache_read: string;
  cost_cache_write: string;
  cost_total: string;
  price_source: PriceSource;
  /** The prices applied, USD per 1M tokens. */
  input_price: string;
  output_price: string;
  cache_read_price: string;
  cache_write_price: string;
  input: string;
  output: string;
  retention_days: number;
  /** Ingestion time in ms: the later copy of an id wins. */
  version: number;
}

export interface SpanRow {
  project_id: string;
  id: string;
  timestamp: number;
  trace_id: string;
  parent_id: string;
  name: string;
  kind: string;
  environment: string;
  status: CallStatus;
  error_message: string;
  duration_ms: number;
  tool_name: string;
  /** 64-bit hash of the tool input (first 8 bytes of its SHA-256), a decimal string (UInt64); "0": no input. */
  input_hash: string;
  input: string;
  output: string;
  metadata: Record<string, string>;
  retention_days: number;
  version: number;
}

export interface TraceRow {
  project_id: string;
  id: string;
  timestamp: number;
  name: string;
  user_id: string;
  session_id: string;
  environment: string;
  tags: string[];
  metadata: Record<string, string>;
  retention_days: number;
  version: number;
}

export interface ScoreRow {
  project_id: string;
  id: string;
  timestamp: number;
  trace_id: string;
  observation_id: string;
  name: string;
  value: number;
  comment: string;
  retention_days: number;
  version: number;
}

/** What one ingestion request asks the store to keep. */
export interface RowBatch {
  calls: CallRow[];
  spans: SpanRow[];
  traces: TraceRow[];
  scores: ScoreRow[];
}

export const emptyBatch = (): RowBatch => ({ calls: [], spans: [], traces: [], scores: [] });

/** A call with every measure zero and every optional field empty: the base that fixtures and generators override. */
export function emptyCallRow(projectId: string, id: string, timestamp: number): CallRow {
  return {
    project_id: projectId,
    id,
    timestamp,
    trace_id: '',
    parent_id: '',
    name: '',
    user_id: '',
    session_id: '',
    environment: 'production',
    tags: [],
    metadata: {},
    provider: '',
    model: '',
    status: 'ok',
    error_message: '',
    attempt: 1,
    batch: false,
    duration_ms: 0,
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
    price_source: 'unknown',
    input_price: '0',
    output_price: '0',
    cache_read_price: '0',
    cache_write_price: '0',
    input: '',
    output: '',
    retention_days: 0,
    version: 1,
  };
}

type CostColumns = Pick<CallRow, 'cost_input' | 'cost_output' | 'cost_cache_read' | 'cost_cache_write' | 'cost_total'>;

/**
 * A call whose cost_total and parts agree, for fixtures and tools that state only some of them
 * (`given`): a given total wins, and cost_input becomes whatever of it the other parts leave;
 * without one, the total is the sum of the parts. `calls` stores the total and computes cost_input
 * as the total minus the other parts (migration 0012), so parts that disagree with the total would
 * read back with a wrong cost_input.
 */
export function withCostParts<Row extends CostColumns>(row: Row, given: Partial<CostColumns> = row): Row {
  const others = toDec(row.cost_output).plus(row.cost_cache_read).plus(row.cost_cache_write);
  if (given.cost_total !== undefined) {
    return { ...row, cost_input: toDec(row.cost_total).minus(others).toFixed() };
  }
  return { ...row, cost_total: others.plus(row.cost_input).toFixed() };
}
