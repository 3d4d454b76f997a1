// The native ingestion body `{events: [...]}` and the union of the four event types.
import { z } from 'zod';
import { ZGenerationEvent } from './generation.ts';
import { ZScoreEvent } from './score.ts';
import { ZSpanEvent } from './span.ts';
import { ZTraceEvent } from './trace.ts';

export const MAX_EVENTS_PER_BATCH = 1000;

export const EVENT_TYPES = ['generation', 'span', 'trace', 'score'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Each event type's schema, for dispatch on `type`. */
export const EVENT_SCHEMAS = {
  generation: ZGenerationEvent,
  span: ZSpanEvent,
  trace: ZTraceEvent,
  score: ZScoreEvent,
} as const;

export const ZEvent = z.discriminatedUnion('type', [ZGenerationEvent, ZSpanEvent, ZTraceEvent, ZScoreEvent]);
export type TEvent = z.output<typeof ZEvent>;
export type TEventInput = z.input<typeof ZEvent>;

/** The envelope only: events stay unparsed so that one bad event rejects only itself. */
export const ZEventEnvelope = z.object({
  events: z
    .array(z.unknown(), { error: `expected an array of at most ${MAX_EVENTS_PER_BATCH} events` })
    .max(MAX_EVENTS_PER_BATCH, { error: `expected an array of at most ${MAX_EVENTS_PER_BATCH} events` }),
});
export type TEventEnvelope = z.output<typeof ZEventEnvelope>;
