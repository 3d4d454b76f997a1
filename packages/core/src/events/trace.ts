// The native `trace` event: the task that groups spans and generations, with its attribution.
import { z } from 'zod';
import { eventBase, expected, optional, ZMetadata, ZTags, ZText } from './fields.ts';

export const ZTraceEvent = z.object(
  {
    ...eventBase,
    type: z.literal('trace'),
    name: optional(ZText),
    user_id: optional(ZText),
    session_id: optional(ZText),
    environment: optional(ZText),
    tags: optional(ZTags),
    metadata: optional(ZMetadata),
  },
  expected('an object'),
);

export type TTraceEvent = z.output<typeof ZTraceEvent>;
export type TTraceEventInput = z.input<typeof ZTraceEvent>;
