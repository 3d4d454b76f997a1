// Validated events of any type become the rows one ingestion request stores.
import type { TEvent } from '../events/envelope.ts';
import type { TScoreEvent } from '../events/score.ts';
import type { TTraceEvent } from '../events/trace.ts';
import { emptyBatch, type RowBatch, type ScoreRow, type TraceRow } from '../rows.ts';
import { DEFAULT_ENVIRONMENT, type NormaliseContext } from './context.ts';
import { toCallRow } from './to-call-row.ts';
import { toSpanRow } from './to-span-row.ts';

export function toTraceRow(event: TTraceEvent, ctx: NormaliseContext): TraceRow {
  return {
    project_id: ctx.projectId,
    id: event.id,
    timestamp: event.timestamp,
    name: event.name ?? '',
    user_id: event.user_id ?? '',
    session_id: event.session_id ?? '',
    environment: event.environment || DEFAULT_ENVIRONMENT,
    tags: event.tags ?? [],
    metadata: event.metadata ?? {},
    retention_days: ctx.retentionDays,
    version: ctx.now,
  };
}

export function toScoreRow(event: TScoreEvent, ctx: NormaliseContext): ScoreRow {
  return {
    project_id: ctx.projectId,
    id: event.id,
    timestamp: event.timestamp,
    trace_id: event.trace_id,
    observation_id: event.observation_id ?? '',
    name: event.name,
    value: event.value,
    comment: event.comment ?? '',
    retention_days: ctx.retentionDays,
    version: ctx.now,
  };
}

export function toRows(events: readonly TEvent[], ctx: NormaliseContext): RowBatch {
  const batch = emptyBatch();
  for (const event of events) {
    switch (event.type) {
      case 'generation':
        batch.calls.push(toCallRow(event, ctx));
        break;
      case 'span':
        batch.spans.push(toSpanRow(event, ctx));
        break;
      case 'trace':
        batch.traces.push(toTraceRow(event, ctx));
        break;
      case 'score':
        batch.scores.push(toScoreRow(event, ctx));
        break;
    }
  }
  return batch;
}
