// getTrace: a trace row (if one was sent), and the tree of its spans and generations by parent_id,
// each node with its own tokens and cost and the totals of its subtree. Money is summed with
// decimal.js, never as floats.
import Decimal from 'decimal.js';
import { queryRows } from '@margin/clickhouse';
import { newestCalls, RAW_CALLS, RAW_SETTINGS, fromClickHouseTime, toRfc3339 } from '../sql/index.ts';
import type { MetricsContext } from './get-metrics.ts';
import { GENERATION_COLUMNS, toGeneration, type Generation } from './list-generations.ts';

export interface TraceTotals {
  requests: number;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  /** USD, decimal string. */
  cost: string;
}

export interface SpanNode {
  type: 'span';
  id: string;
  parent_id: string;
  name: string;
  kind: string;
  tool_name: string;
  timestamp: string;
  duration_ms: number;
  status: 'ok' | 'error';
  error_message: string;
  metadata: Record<string, string>;
  totals: TraceTotals;
  children: TraceNode[];
}

export type GenerationNode = Generation & { type: 'generation'; totals: TraceTotals; children: TraceNode[] };
export type TraceNode = SpanNode | GenerationNode;

export interface TraceDetail {
  id: string;
  /** The trace event, when one was sent (a call's own trace has none). */
  trace: {
    timestamp: string; name: string; user_id: string; session_id: string; environment: string; tags: string[]; metadata: Record<string, string>;
  } | null;
  totals: TraceTotals;
  observations: TraceNode[];
}

const TIME = `toString(timestamp) AS ts`;
/** The calls of a trace: those with its trace_id, and a call without one whose id it is (a trace of its own). */
const OWN_OR_TRACE = `(trace_id = {traceId:String} OR (trace_id = '' AND id = {traceId:String}))`;
/**
 * The same for a non-empty id, as the trace key the skip index of migration 0007 covers (the index
 * expression must match word for word): the index reads a few granules instead of every part.
 */
const TRACE_KEY = `if(empty(trace_id), id, trace_id) = {traceId:String}`;

/** Null when nothing of the trace is stored. */
export async function getTrace(ctx: MetricsContext, traceId: string): Promise<TraceDetail | null> {
  const params = { projectId: ctx.projectId, traceId };
  const options = (tag: string) => ({ tag, params, settings: RAW_SETTINGS });
  const [traces, spans, calls] = [
    await queryRows<{ ts: string; name: string; user_id: string; session_id: string; environment: string; tags: string[]; metadata: Record<string, string> }>(
      ctx.ch,
      `SELECT ${TIME}, name, user_id, session_id, environment, tags, metadata FROM traces FINAL
       WHERE project_id = {projectId:String} AND id = {traceId:String} LIMIT 1`,
      options('trace.row'),
    ),
    await queryRows<{ id: string; parent_id: string; name: string; kind: string; tool_name: string; ts: string; duration_ms: number; status: 'ok' | 'error'; error_message: string; metadata: Record<string, string> }>(
      ctx.ch,
      `SELECT id, parent_id, name, kind, tool_name, ${TIME}, duration_ms, status, error_message, metadata FROM spans FINAL
       WHERE project_id = {projectId:String} AND trace_id = {traceId:String} ORDER BY timestamp, id`,
      options('trace.spans'),
    ),
    await queryRows<Parameters<typeof toGeneration>[0]>(
      ctx.ch,
      traceId === ''
        ? `SELECT ${GENERATION_COLUMNS} FROM ${RAW_CALLS} WHERE project_id = {projectId:String} AND ${OWN_OR_TRACE} ORDER BY timestamp, id`
        : // the bloom filter's granules only (trace_id is on the sorting key: every copy of a key has it)
          `SELECT ${GENERATION_COLUMNS} FROM ${newestCalls(TRACE_KEY)} ORDER BY timestamp, id`,
      options('trace.calls'),
    ),
  ];
  if (traces.length === 0 && spans.length === 0 && calls.length === 0) return null;

  const nodes: TraceNode[] = [
    ...spans.map((span): SpanNode => ({
      type: 'span', id: span.id, parent_id: span.parent_id, name: span.name, kind: span.kind, tool_name: span.tool_name,
      timestamp: toRfc3339(fromClickHouseTime(span.ts)), duration_ms: Number(span.duration_ms), status: span.status,
      error_message: span.error_message, metadata: span.metadata, totals: emptyTotals(), children: [],
    })),
    ...calls.map((row): GenerationNode => ({ ...toGeneration(row), type: 'generation', totals: emptyTotals(), children: [] })),
  ];
  const observations = buildTree(nodes, traceId);
  const totals = emptyTotals();
  for (const node of observations) addTotals(totals, sumSubtree(node));
  const row = traces[0];
  return {
    id: traceId,
    trace: row
      ? { timestamp: toRfc3339(fromClickHouseTime(row.ts)), name: row.name, user_id: row.user_id, session_id: row.session_id, environment: row.environment, tags: row.tags, metadata: row.metadata }
      : null,
    totals,
    observations,
  };
}

function emptyTotals(): TraceTotals {
  return { requests: 0, input_tokens: 0, output_tokens: 0, total_tokens: 0, cost: '0' };
}

function addTotals(into: TraceTotals, add: TraceTotals): void {
  into.requests += add.requests;
  into.input_tokens += add.input_tokens;
  into.output_tokens += add.output_tokens;
  into.total_tokens += add.total_tokens;
  into.cost = new Decimal(into.cost).plus(add.cost).toString();
}

/**
 * Children by parent_id in time order. A node whose parent is missing, empty or the trace itself is
 * a root; so is any node on a parent cycle (bad input must not lose observations).
 */
export function buildTree(nodes: TraceNode[], traceId: string): TraceNode[] {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const roots: TraceNode[] = [];
  const attached = new Set<TraceNode>();
  for (const node of nodes) {
    const parent = node.parent_id && node.parent_id !== traceId ? byId.get(node.parent_id) : undefined;
    if (parent && parent !== node && !isAncestor(node, parent, byId, traceId)) {
      parent.children.push(node);
      attached.add(node);
    }
  }
  for (const node of nodes) if (!attached.has(node)) roots.push(node);
  return roots;
}

/** Whether `node` is already above `parent` (attaching would close a cycle). */
function isAncestor(node: TraceNode, parent: TraceNode, byId: Map<string, TraceNode>, traceId: string): boolean {
  const seen = new Set<string>();
  for (let up: TraceNode | undefined = parent; up; ) {
    if (up === node) return true;
    if (seen.has(up.id)) return false; // a cycle above, not through `node`
    seen.add(up.id);
    up = up.parent_id && up.parent_id !== traceId ? byId.get(up.parent_id) : undefined;
  }
  return false;
}

function sumSubtree(node: TraceNode): TraceTotals {
  const totals = emptyTotals();
  if (node.type === 'generation') {
    addTotals(totals, {
      requests: 1, input_tokens: node.usage.input_tokens, output_tokens: node.usage.output_tokens,
      total_tokens: node.usage.total_tokens, cost: node.cost.total,
    });
  }
  for (const child of node.children) addTotals(totals, sumSubtree(child));
  node.totals = totals;
  return totals;
}
