// URLSearchParams to a validated object: an unknown or repeated parameter, or one its zod schema
// rejects, becomes a 400 naming that parameter. Every handler parses its query through here.
import { z } from 'zod';
import { invalidParameter, type HandlerResult } from './errors.ts';

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: HandlerResult };

export function parseSearchParams<S extends z.ZodObject>(schema: S, searchParams: URLSearchParams): Parsed<z.output<S>> {
  const raw: Record<string, string> = {};
  for (const [key, value] of searchParams) {
    if (!Object.hasOwn(schema.shape, key)) return { ok: false, error: invalidParameter(key, 'unknown parameter') };
    if (Object.hasOwn(raw, key)) return { ok: false, error: invalidParameter(key, 'given more than once') };
    raw[key] = value;
  }
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0]!;
  const param = issue.path.length > 0 ? String(issue.path[0]) : 'query';
  return { ok: false, error: invalidParameter(param, issue.code === 'invalid_type' && raw[param] === undefined ? 'required' : issue.message) };
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/** An RFC 3339 date-time with a zone, as epoch milliseconds. */
export const ZTimestamp = z
  .string()
  .refine((text) => RFC3339.test(text) && !Number.isNaN(Date.parse(text)), 'not an RFC 3339 date-time with a time zone, e.g. 2026-01-01T00:00:00Z')
  .transform((text) => Date.parse(text))
  // the range ClickHouse's DateTime64 holds
  .refine((ms) => ms >= Date.UTC(1900, 0, 1) && ms < Date.UTC(2299, 11, 31), 'must be between 1900 and 2299');

/** A filter value: a non-empty string. */
export const ZFilterValue = z.string().min(1, 'must not be empty').max(512, 'too long');
