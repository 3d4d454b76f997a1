// The native `span` event: a step of a trace that is not an LLM call (tool, retrieval, agent, other).
import { z } from 'zod';
import {
  eventBase,
  expected,
  optional,
  ZContent,
  ZId,
  ZMetadata,
  ZMilliseconds,
  ZStatus,
  ZText,
  ZTimestamp,
  WHEN_FIELDS_VALID,
} from './fields.ts';

export const SPAN_KINDS = ['tool', 'retrieval', 'agent', 'other'] as const;

export const ZSpanEvent = z
  .object(
    {
      ...eventBase,
      type: z.literal('span'),
      trace_id: optional(ZId),
      parent_id: optional(ZId),
      name: optional(ZText),
      kind: optional(z.enum(SPAN_KINDS, expected(`one of ${SPAN_KINDS.join(', ')}`))),
      environment: optional(ZText),
      start_time: optional(ZTimestamp),
      end_time: optional(ZTimestamp),
      duration_ms: optional(ZMilliseconds),
      status: optional(ZStatus),
      error_message: optional(ZText),
      tool_name: optional(ZText),
      input: optional(ZContent),
      output: optional(ZContent),
      metadata: optional(ZMetadata),
    },
    expected('an object'),
  )
  .superRefine((event, ctx) => {
    if (event.start_time !== undefined && event.end_time !== undefined && event.end_time < event.start_time) {
      ctx.addIssue({ code: 'custom', path: ['end_time'], message: 'expected a time not before start_time' });
    }
  }, WHEN_FIELDS_VALID);

export type TSpanEvent = z.output<typeof ZSpanEvent>;
export type TSpanEventInput = z.input<typeof ZSpanEvent>;
