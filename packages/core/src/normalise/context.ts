// What the normalisers need to know about the project an event arrived for.
import type { Pricer } from '../pricing/types.ts';

export interface NormaliseContext {
  projectId: string;
  /** The project's retention in days; 0 keeps rows for ever. */
  retentionDays: number;
  /** Content storage: prompts, completions and tool inputs are kept only when true. */
  storeContent: boolean;
  /** Ingestion time, epoch ms: becomes every row's `version`, so the later copy of an id wins. */
  now: number;
  pricer: Pricer;
}

export const DEFAULT_ENVIRONMENT = 'production';

/** duration_ms when given, else end − start when both are, else 0. */
export function durationOf(event: { duration_ms?: number; start_time?: number; end_time?: number }): number {
  if (event.duration_ms !== undefined) return event.duration_ms;
  if (event.start_time !== undefined && event.end_time !== undefined)
    return Math.min(Math.max(0, event.end_time - event.start_time), 4_294_967_295);
  return 0;
}
