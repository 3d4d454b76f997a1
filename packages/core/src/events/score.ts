// The native `score` event: a numeric judgement of a trace or one of its observations.
import { z } from 'zod';
import { eventBase, expected, optional, ZId, ZText } from './fields.ts';

export const ZScoreEvent = z.object(
  {
    ...eventBase,
    type: z.literal('score'),
    trace_id: ZId,
    observation_id: optional(ZId),
    name: z.string(expected('a non-empty string')).min(1, expected('a non-empty string')),
    value: z.number(expected('a finite number')),
    comment: optional(ZText),
  },
  expected('an object'),
);

export type TScoreEvent = z.output<typeof ZScoreEvent>;
export type TScoreEventInput = z.input<typeof ZScoreEvent>;
