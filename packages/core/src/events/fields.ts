// The field schemas every native event shares, each with a message that says what was expected.
import { z } from 'zod';

export const MAX_ID_LENGTH = 128;
export const MAX_TOKENS = 1_000_000_000;
export const MAX_METADATA_KEYS = 50;
/** DateTime64 in ClickHouse ends at 2299-12-31: later instants cannot be stored. */
export const MAX_EPOCH_MS = Date.UTC(2299, 11, 31, 23, 59, 59, 999);
const MAX_UINT32 = 4_294_967_295;

/** A zod error option: "required" when the field is missing, else "expected <what>". */
export const expected = (what: string) => ({
  error: (issue: { input?: unknown }) => (issue.input === undefined ? 'required' : `expected ${what}`),
});

/**
 * Optional field. Many SDKs send null for "not set": `parseEvent` drops null fields before the
 * schema runs (a transform per field here would cost 3× the validation time).
 */
export const optional = <T extends z.ZodType>(schema: T) => schema.optional();

/** A copy without null-valued fields, at the top level and inside nested objects (not arrays). */
export function dropNulls(raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in raw) {
    const value = raw[key];
    if (value === null) continue;
    out[key] = typeof value === 'object' && !Array.isArray(value) ? dropNulls(value as Record<string, unknown>) : value;
  }
  return out;
}

export const ZId = z
  .string(expected(`a string of 1 to ${MAX_ID_LENGTH} characters`))
  .min(1, expected(`a string of 1 to ${MAX_ID_LENGTH} characters`))
  .max(MAX_ID_LENGTH, expected(`a string of 1 to ${MAX_ID_LENGTH} characters`));

export const ZText = z.string(expected('a string'));

export const ZTokens = z
  .int(expected(`an integer from 0 to ${MAX_TOKENS}`))
  .min(0, expected(`an integer from 0 to ${MAX_TOKENS}`))
  .max(MAX_TOKENS, expected(`an integer from 0 to ${MAX_TOKENS}`));

export const ZMilliseconds = z
  .int(expected(`an integer number of milliseconds from 0 to ${MAX_UINT32}`))
  .min(0, expected(`an integer number of milliseconds from 0 to ${MAX_UINT32}`))
  .max(MAX_UINT32, expected(`an integer number of milliseconds from 0 to ${MAX_UINT32}`));

export const ZTags = z.array(ZText, expected('an array of strings'));

export const ZMetadata = z
  .record(z.string(), z.string(expected('a string value')), expected('an object of string values'))
  .refine((m) => Object.keys(m).length <= MAX_METADATA_KEYS, { message: `expected at most ${MAX_METADATA_KEYS} keys` });

export const ZStatus = z.enum(['ok', 'error'], expected('"ok" or "error"'));

const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Epoch ms from an RFC 3339 string or epoch milliseconds (a number or a string of digits); null if neither. */
export function parseTimestamp(value: unknown): number | null {
  let ms: number;
  if (typeof value === 'number') ms = value;
  else if (typeof value === 'string' && /^\d{1,15}$/.test(value)) ms = Number(value);
  else if (typeof value === 'string') {
    const m = RFC3339.exec(value);
    if (!m) return null;
    // Date.parse takes at most millisecond digits reliably: cut the fraction to three.
    const fraction = m[3] ? m[3].slice(0, 4).padEnd(4, '0') : '';
    const zone = m[4] === 'z' ? 'Z' : m[4];
    ms = Date.parse(`${m[1]}T${m[2]}${fraction}${zone}`);
    // Date.parse rolls 2024-02-30 over to March: reject dates that do not exist.
    if (Number.isNaN(ms) || !sameCalendarDate(m[1]!, m[2]!, zone!, ms)) return null;
  } else return null;
  if (!Number.isFinite(ms) || ms < 0 || ms > MAX_EPOCH_MS) return null;
  return Math.floor(ms);
}

function sameCalendarDate(date: string, time: string, zone: string, ms: number): boolean {
  const offsetMin = zone === 'Z' ? 0 : (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  const local = new Date(ms + offsetMin * 60_000).toISOString();
  return local.slice(0, 10) === date && local.slice(11, 19) === time;
}

const TIMESTAMP_MESSAGE = 'expected an RFC 3339 date-time or epoch milliseconds (1970 to 2299)';

/** A timestamp in, epoch milliseconds out. */
export const ZTimestamp = z.unknown().transform((value, ctx) => {
  const ms = parseTimestamp(value);
  if (ms === null) {
    ctx.addIssue({ code: 'custom', message: value === undefined ? 'required' : TIMESTAMP_MESSAGE });
    return z.NEVER;
  }
  return ms;
});

/** Prompt or completion text; structured content (an array of messages) is kept as its JSON. */
export const ZContent = z.unknown().transform((value) => (typeof value === 'string' ? value : (JSON.stringify(value) ?? '')));

/** Cross-field checks run only on fields that passed their own checks: one message per mistake. */
export const WHEN_FIELDS_VALID = { when: (payload: { issues: readonly unknown[] }) => payload.issues.length === 0 };

/** The fields every event has. */
export const eventBase = {
  id: ZId,
  timestamp: ZTimestamp,
};
