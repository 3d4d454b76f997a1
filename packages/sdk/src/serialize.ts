// Turns an event as the caller wrote it into its wire form: id and timestamp filled in, Dates as
// RFC 3339, undefined fields gone, and the JSON text measured once for batching.
import { randomUUID } from 'node:crypto';
import type { EventType, WireEvent } from './types.ts';

export interface SerializedEvent {
  id: string;
  json: string;
  /** UTF-8 size of `json`, the unit of the 5 MB request limit. */
  bytes: number;
}

// Dates anywhere (start_time, end_time, timestamp) become ISO strings; JSON.stringify calls
// Date#toJSON already, so only the defaults need work here.
export function toWireEvent(type: EventType, fields: object, now: () => number = Date.now): WireEvent {
  const { id, timestamp, ...rest } = fields as { id?: unknown; timestamp?: unknown };
  const wire: Record<string, unknown> = {
    ...rest,
    id: typeof id === 'string' && id.length > 0 ? id : randomUUID(),
    type,
    timestamp: timestamp instanceof Date ? timestamp.toISOString() : (timestamp ?? now()),
  };
  return wire as WireEvent;
}

export function serializeEvent(event: WireEvent): SerializedEvent {
  const json = JSON.stringify(event);
  return { id: event.id, json, bytes: Buffer.byteLength(json, 'utf8') };
}
