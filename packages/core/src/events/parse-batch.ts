// Validates a native ingestion body event by event, with a message per bad event that names its field.
import type { z } from 'zod';
import { dropNulls, MAX_ID_LENGTH } from './fields.ts';
import { EVENT_SCHEMAS, EVENT_TYPES, ZEventEnvelope, type EventType, type TEvent } from './envelope.ts';

export type EventResult = { ok: true; event: TEvent } | { ok: false; message: string };

export interface ParsedEvent {
  /** Position in the body's `events` array. */
  index: number;
  /** The event's id when it has a usable one, so an error can be answered under it. */
  id?: string;
  result: EventResult;
}

export type ParsedBatch = { ok: false; message: string } | { ok: true; events: ParsedEvent[] };

/** At most this many field messages per event: enough to fix it, bounded for a hostile body. */
const MAX_MESSAGES = 5;

/** `["usage","input_tokens"]` → `usage.input_tokens`; `["tags",2]` → `tags[2]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** One line per issue, `field: what was expected`. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  const lines = issues.slice(0, MAX_MESSAGES).map((issue) => {
    const path = formatPath(issue.path);
    return path === '' ? issue.message : `${path}: ${issue.message}`;
  });
  if (issues.length > MAX_MESSAGES) lines.push(`and ${issues.length - MAX_MESSAGES} more`);
  return lines.join('; ');
}

/** Validates one event (any of the four types); a null field counts as absent. */
export function parseEvent(raw: unknown): EventResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, message: 'expected an event object' };
  const type = (raw as { type?: unknown }).type;
  if (typeof type !== 'string' || !(EVENT_TYPES as readonly string[]).includes(type)) {
    return { ok: false, message: type === undefined ? 'type: required' : `type: expected one of ${EVENT_TYPES.join(', ')}` };
  }
  const parsed = EVENT_SCHEMAS[type as EventType].safeParse(dropNulls(raw as Record<string, unknown>));
  return parsed.success ? { ok: true, event: parsed.data as TEvent } : { ok: false, message: formatIssues(parsed.error.issues) };
}

function usableId(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const id = (raw as { id?: unknown }).id;
  return typeof id === 'string' && id.length > 0 && id.length <= MAX_ID_LENGTH ? id : undefined;
}

/** A body that is not `{events: [...]}` (≤ 1,000) is `ok: false` (answer 400); otherwise each event has its own result. */
export function parseEventBatch(body: unknown): ParsedBatch {
  const envelope = ZEventEnvelope.safeParse(body);
  if (!envelope.success) {
    const message =
      typeof body !== 'object' || body === null || Array.isArray(body)
        ? 'expected a JSON object {"events": [...]}'
        : formatIssues(envelope.error.issues);
    return { ok: false, message };
  }
  return {
    ok: true,
    events: envelope.data.events.map((raw, index) => {
      const id = usableId(raw);
      const result = parseEvent(raw);
      return id === undefined ? { index, result } : { index, id, result };
    }),
  };
}
