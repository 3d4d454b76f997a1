// What every provider helper shares: the caller's extra fields on top of what the response says,
// and the end time of a call measured by its caller.
import type { GenerationEvent, Usage } from '../types.ts';

/** Fields the caller adds to (or overrides in) the event a helper builds. */
export type GenerationExtra = Partial<GenerationEvent>;

/** A count the provider reported, or undefined: a missing count is not a zero. */
export function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Drops the parts of a usage that the provider did not report. */
export function compactUsage(usage: Usage): Usage {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(usage)) if (value !== undefined) out[key] = value;
  return out as unknown as Usage;
}

/**
 * The caller's fields win over the derived ones (e.g. `provider: 'azure'`). A caller who passed
 * only `start_time` gets `end_time` now: the helper runs right after the response arrived.
 */
export function buildGeneration(derived: GenerationEvent, extra: GenerationExtra = {}): GenerationEvent {
  const event: GenerationEvent = { ...dropUndefined(derived), ...dropUndefined(extra) };
  if (event.start_time !== undefined && event.end_time === undefined && event.duration_ms === undefined) {
    event.end_time = new Date();
  }
  return event;
}

function dropUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
