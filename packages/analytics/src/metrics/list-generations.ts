// listGenerations: one project's calls (newest copy of each id), filtered like the metrics, largest
// first by cost, timestamp, total tokens or latency, in pages. The cursor is the last row's
// (sort value, id): the next page starts strictly after it, so ties never repeat or skip a call.
import Decimal from 'decimal.js';
import { queryRows } from '@margin/clickhouse';
import type { CallRow } from '@margin/core';
import { newestCalls, RAW_CALLS, RAW_SETTINGS, rawCallsWhere, toRfc3339, fromClickHouseTime, type Filters, type TimeRange } from '../sql/index.ts';
import type { MetricsContext } from './get-metrics.ts';

export const GENERATION_ORDERS = ['cost', 'timestamp', 'total_tokens', 'latency'] as const;
export type GenerationOrder = (typeof GENERATION_ORDERS)[number];

// `pattern` checks a cursor's value before it reaches ClickHouse as a typed parameter; `compare`
// orders two values as ClickHouse does.
const compareDecimal = (a: string, b: string) => new Decimal(a).comparedTo(b);
const compareInteger = (a: string, b: string) => (BigInt(a) === BigInt(b) ? 0 : BigInt(a) > BigInt(b) ? 1 : -1);
const SORT: Record<GenerationOrder, { sql: string; type: string; pattern: RegExp; compare: (a: string, b: string) => number }> = {
  cost: { sql: 'cost_total', type: 'Decimal64(12)', pattern: /^-?\d{1,7}(\.\d{1,12})?$/, compare: compareDecimal },
  timestamp: {
    sql: 'timestamp', type: "DateTime64(3, 'UTC')", pattern: /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/,
    compare: (a, b) => (a === b ? 0 : a > b ? 1 : -1), // one fixed-width format: text order is time order
  },
  total_tokens: { sql: 'toUInt64(input_tokens) + output_tokens', type: 'UInt64', pattern: /^\d{1,19}$/, compare: compareInteger },
  latency: { sql: 'duration_ms', type: 'UInt32', pattern: /^\d{1,10}$/, compare: compareInteger },
};

export const MAX_GENERATIONS_PAGE = 100;

export interface GenerationsQuery {
  from?: Date | number | undefined;
  to?: Date | number | undefined;
  filters?: Filters | undefined;
  order_by?: GenerationOrder | undefined;
  /** 1 to 100; default 50. */
  limit?: number | undefined;
  cursor?: string | undefined;
}

/** One call as the API shows it; money as decimal strings (USD), tokens as integers. */
export interface Generation {
  id: string;
  timestamp: string;
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
  status: CallRow['status'];
  error_message: string;
  attempt: number;
  batch: boolean;
  duration_ms: number;
  ttft_ms: number | null;
  usage: { input_tokens: number; output_tokens: number; total_tokens: number; cache_read_tokens: number; cache_write_tokens: number; reasoning_tokens: number };
  prompt_anatomy: {
    system_tokens: number; tool_definition_tokens: number; retrieval_tokens: number; history_tokens: number; tool_result_tokens: number;
    user_input_tokens: number | null;
  };
  cost: { input: string; output: string; cache_read: string; cache_write: string; total: string; price_source: CallRow['price_source'] };
  input: string;
  output: string;
}

export class InvalidCursorError extends Error {}

interface Cursor {
  order: GenerationOrder;
  value: string;
  id: string;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.order, cursor.value, cursor.id])).toString('base64url');
}

export function decodeCursor(text: string, order: GenerationOrder): Cursor {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 3 && parsed.every((part) => typeof part === 'string') && parsed[0] === order && SORT[order].pattern.test(parsed[1] as string)) {
      return { order, value: parsed[1] as string, id: parsed[2] as string };
    }
  } catch {
    // falls through to the error below
  }
  throw new InvalidCursorError(`not a cursor of a page ordered by ${order}`);
}

/** The columns every generation query reads, ready for toGeneration. */
export const GENERATION_COLUMNS = `id, toString(timestamp) AS ts, trace_id, parent_id, name, user_id, session_id, environment, tags, metadata,
  provider, model, status, error_message, attempt, batch, duration_ms, ttft_ms, input_tokens, output_tokens, cache_read_tokens,
  cache_write_tokens, reasoning_tokens, system_tokens, tool_definition_tokens, retrieval_tokens, history_tokens, tool_result_tokens,
  user_input_tokens, cost_input, cost_output, cost_cache_read, cost_cache_write, cost_total, price_source, input, output`;

type GenerationRecord = Omit<CallRow, 'timestamp' | 'project_id' | 'input_price' | 'output_price' | 'cache_read_price' | 'cache_write_price' | 'retention_days' | 'version'> & { ts: string };

export function toGeneration(row: GenerationRecord): Generation {
  return {
    id: row.id,
    timestamp: toRfc3339(fromClickHouseTime(row.ts)),
    trace_id: row.trace_id, parent_id: row.parent_id, name: row.name, user_id: row.user_id, session_id: row.session_id,
    environment: row.environment, tags: row.tags, metadata: row.metadata, provider: row.provider, model: row.model,
    status: row.status, error_message: row.error_message, attempt: Number(row.attempt), batch: Boolean(row.batch),
    duration_ms: Number(row.duration_ms), ttft_ms: row.ttft_ms === null ? null : Number(row.ttft_ms),
    usage: {
      input_tokens: Number(row.input_tokens), output_tokens: Number(row.output_tokens),
      total_tokens: Number(row.input_tokens) + Number(row.output_tokens),
      cache_read_tokens: Number(row.cache_read_tokens), cache_write_tokens: Number(row.cache_write_tokens), reasoning_tokens: Number(row.reasoning_tokens),
    },
    prompt_anatomy: {
      system_tokens: Number(row.system_tokens), tool_definition_tokens: Number(row.tool_definition_tokens), retrieval_tokens: Number(row.retrieval_tokens),
      history_tokens: Number(row.history_tokens), tool_result_tokens: Number(row.tool_result_tokens),
      user_input_tokens: row.user_input_tokens === null ? null : Number(row.user_input_tokens),
    },
    cost: {
      input: row.cost_input, output: row.cost_output, cache_read: row.cost_cache_read, cache_write: row.cost_cache_write, total: row.cost_total,
      price_source: row.price_source,
    },
    input: row.input,
    output: row.output,
  };
}

/** How many copies the cheap first step looks at for a page of `limit` rows (and one more). */
const candidateCount = (limit: number): number => Math.ceil((limit + 1) * 1.25) + 8;

/** A copy among the top by the sort value: the hour and id that find its key's copies (newestByKey). */
interface Candidate {
  hour: string;
  id: string;
  sort_value: string;
}

export async function listGenerations(
  ctx: MetricsContext,
  query: GenerationsQuery,
): Promise<{ data: Generation[]; next_cursor: string | null }> {
  const order = query.order_by ?? 'timestamp';
  const limit = Math.min(Math.max(query.limit ?? 50, 1), MAX_GENERATIONS_PAGE);
  const sort = SORT[order];
  const range: TimeRange | undefined =
    query.from !== undefined || query.to !== undefined
      ? { fromMs: query.from !== undefined ? +query.from : 0, toMs: query.to !== undefined ? +query.to : Date.UTC(2299, 11, 31) }
      : undefined;
  const where = rawCallsWhere(ctx.projectId, range, query.filters ?? {});
  const cursor = query.cursor !== undefined ? decodeCursor(query.cursor, order) : undefined;
  const after = cursor ? ` AND (${sort.sql}, id) < ({c_value:${sort.type}}, {c_id:String})` : '';
  const params = { ...where.params, ...(cursor ? { c_value: cursor.value, c_id: cursor.id } : {}), limit: limit + 1 };

  // 1. Without FINAL, the top copies of any version by the sort value alone: ClickHouse reads the
  //    sort column of every row and the hour and id of these few rows only (lazy materialisation;
  //    a tie-break on id would read every id). Every copy above the last candidate's value is here,
  //    the newest copy of each call among them.
  const k = candidateCount(limit);
  const candidates = await queryRows<Candidate>(
    ctx.ch,
    `SELECT toString(toStartOfHour(timestamp)) AS hour, id, toString(${sort.sql}) AS sort_value
     FROM calls ${where.sql}${after}
     ORDER BY ${sort.sql} DESC
     LIMIT {k:UInt32}`,
    { tag: `generations.by_${order}.candidates`, params: { ...params, k } },
  );
  // 2. The newest copy of each candidate's key, then the filters and the cursor on that copy (a
  //    stale copy may match them when the newest does not).
  let rows = candidates.length === 0 ? [] : await newestByKey(ctx, candidates, where, after, sort.sql, params, `generations.by_${order}`);
  // 3. Exact when the page and one more row sort strictly above the last candidate's value: a newest
  //    copy left out sorts at or below it. Otherwise (stale copies crowd the top, or ties at the
  //    bound) one FINAL query answers.
  const bound = candidates.length === k ? candidates[k - 1]!.sort_value : undefined;
  if (bound !== undefined) rows = rows.filter((row) => sort.compare(row.sort_value, bound) > 0);
  if (bound !== undefined && rows.length < limit + 1) {
    rows = await queryRows<GenerationRecord & { sort_value: string }>(
      ctx.ch,
      `SELECT ${GENERATION_COLUMNS}, toString(${sort.sql}) AS sort_value
       FROM ${RAW_CALLS} ${where.sql}${after}
       ORDER BY ${sort.sql} DESC, id DESC
       LIMIT {limit:UInt32}`,
      { tag: `generations.by_${order}.full`, params, settings: RAW_SETTINGS },
    );
  }
  return toPage(rows, limit, order);
}

function newestByKey(
  ctx: MetricsContext,
  keys: Candidate[],
  where: { sql: string },
  after: string,
  sortSql: string,
  params: Record<string, unknown>,
  tag: string,
): Promise<(GenerationRecord & { sort_value: string })[]> {
  const column = (name: keyof Candidate) => keys.map((key) => key[name]);
  // Every copy of a candidate's key has its hour and its id, so the rows of those hours with those
  // ids hold them all, and the primary key finds them from two plain sets: at 10M calls, 135
  // candidates over 30 days, 23 ms, where its search for the 5-column key tuples took 80-110 ms
  // (about 0.6 ms a tuple). Those rows may hold other keys (the same id with another user, session
  // or trace); each is then one more call, and its newest copy is returned as well. That changes
  // nothing: a key none of whose copies is a candidate sorts at or below the last candidate's
  // value, and step 3 drops those rows, or when there are fewer candidates than asked for, every
  // copy that matches is a candidate.
  const ofCandidates = `toStartOfHour(timestamp) IN {k_hours:Array(DateTime('UTC'))} AND id IN {k_ids:Array(String)}`;
  return queryRows<GenerationRecord & { sort_value: string }>(
    ctx.ch,
    `SELECT ${GENERATION_COLUMNS}, toString(${sortSql}) AS sort_value
     FROM ${newestCalls(ofCandidates)}
     ${where.sql}${after}
     ORDER BY ${sortSql} DESC, id DESC`,
    {
      tag,
      params: {
        ...params,
        k_hours: column('hour'), k_ids: column('id'),
      },
    },
  );
}

/** The first `limit` rows, and a cursor when the extra row shows there is more. */
function toPage(rows: (GenerationRecord & { sort_value: string })[], limit: number, order: GenerationOrder) {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const next_cursor = rows.length > limit && last ? encodeCursor({ order, value: last.sort_value, id: last.id }) : null;
  return { data: page.map(toGeneration), next_cursor };
}
