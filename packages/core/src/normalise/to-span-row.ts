// A validated span event becomes one SpanRow; a tool's input is kept as a hash unless content storage is on.
import type { TSpanEvent } from '../events/span.ts';
import type { SpanRow } from '../rows.ts';
import { cutContent, hashInput } from './content.ts';
import { DEFAULT_ENVIRONMENT, durationOf, type NormaliseContext } from './context.ts';

export function toSpanRow(event: TSpanEvent, ctx: NormaliseContext): SpanRow {
  return {
    project_id: ctx.projectId,
    id: event.id,
    timestamp: event.timestamp,
    trace_id: event.trace_id ?? event.id,
    parent_id: event.parent_id ?? '',
    name: event.name ?? '',
    kind: event.kind ?? 'other',
    environment: event.environment || DEFAULT_ENVIRONMENT,
    status: event.status ?? 'ok',
    error_message: event.error_message ?? '',
    duration_ms: durationOf(event),
    tool_name: event.tool_name ?? '',
    // "0": no input sent; otherwise the hash of the whole input, before any cut.
    input_hash: event.input === undefined ? '0' : hashInput(event.input),
    input: ctx.storeContent && event.input !== undefined ? cutContent(event.input) : '',
    output: ctx.storeContent && event.output !== undefined ? cutContent(event.output) : '',
    metadata: event.metadata ?? {},
    retention_days: ctx.retentionDays,
    version: ctx.now,
  };
}
