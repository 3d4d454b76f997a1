// Demo rows back into the native events an SDK would send (POST /api/public/events), so the HTTP
// sink exercises ingestion: the server prices the calls and hashes tool inputs itself.
import type { CallRow, RowBatch, ScoreRow, SpanRow, TEventInput, TraceRow } from '@margin/core';

function callEvent(row: CallRow): TEventInput {
  return {
    type: 'generation',
    id: row.id,
    timestamp: row.timestamp,
    trace_id: row.trace_id,
    ...(row.parent_id ? { parent_id: row.parent_id } : {}),
    name: row.name,
    ...(row.user_id ? { user_id: row.user_id } : {}),
    ...(row.session_id ? { session_id: row.session_id } : {}),
    environment: row.environment,
    tags: row.tags,
    metadata: row.metadata,
    provider: row.provider,
    model: row.model,
    start_time: row.timestamp,
    duration_ms: row.duration_ms,
    ...(row.ttft_ms !== null ? { ttft_ms: row.ttft_ms } : {}),
    status: row.status,
    ...(row.error_message ? { error_message: row.error_message } : {}),
    attempt: row.attempt,
    batch: row.batch,
    usage: {
      input_tokens: row.input_tokens,
      output_tokens: row.output_tokens,
      cache_read_tokens: row.cache_read_tokens,
      cache_write_tokens: row.cache_write_tokens,
      reasoning_tokens: row.reasoning_tokens,
    },
    ...(row.user_input_tokens !== null
      ? {
          prompt_anatomy: {
            system_tokens: row.system_tokens,
            tool_definition_tokens: row.tool_definition_tokens,
            retrieval_tokens: row.retrieval_tokens,
            history_tokens: row.history_tokens,
            tool_result_tokens: row.tool_result_tokens,
            user_input_tokens: row.user_input_tokens,
          },
        }
      : {}),
  };
}

function spanEvent(row: SpanRow): TEventInput {
  return {
    type: 'span',
    id: row.id,
    timestamp: row.timestamp,
    trace_id: row.trace_id,
    ...(row.parent_id ? { parent_id: row.parent_id } : {}),
    name: row.name,
    kind: row.kind as 'tool' | 'retrieval' | 'agent' | 'other',
    environment: row.environment,
    start_time: row.timestamp,
    duration_ms: row.duration_ms,
    status: row.status,
    ...(row.tool_name ? { tool_name: row.tool_name } : {}),
    // The text of the tool input: the server keeps only its hash unless content storage is on.
    ...(row.input ? { input: row.input } : {}),
  };
}

function traceEvent(row: TraceRow): TEventInput {
  return {
    type: 'trace',
    id: row.id,
    timestamp: row.timestamp,
    name: row.name,
    ...(row.user_id ? { user_id: row.user_id } : {}),
    ...(row.session_id ? { session_id: row.session_id } : {}),
    environment: row.environment,
    tags: row.tags,
    metadata: row.metadata,
  };
}

function scoreEvent(row: ScoreRow): TEventInput {
  return {
    type: 'score',
    id: row.id,
    timestamp: row.timestamp,
    trace_id: row.trace_id,
    ...(row.observation_id ? { observation_id: row.observation_id } : {}),
    name: row.name,
    value: row.value,
  };
}

/** The events of a chunk, traces first so a trace exists before its calls arrive. */
export function batchToEvents(batch: RowBatch): TEventInput[] {
  return [...batch.traces.map(traceEvent), ...batch.calls.map(callEvent), ...batch.spans.map(spanEvent), ...batch.scores.map(scoreEvent)];
}
