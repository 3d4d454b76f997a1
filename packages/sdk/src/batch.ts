// Cuts queued events into request bodies within the contract's limits: at most 1,000 events and
// under 5 MB each.
import type { SerializedEvent } from './serialize.ts';

export const MAX_EVENTS_PER_REQUEST = 1_000;
/** Strictly under 5 MB whichever way one counts a megabyte. */
export const MAX_BODY_BYTES = 5_000_000 - 1;

const ENVELOPE_BYTES = Buffer.byteLength('{"events":[]}');

/** The largest event that fits a request on its own. */
export const MAX_EVENT_BYTES = MAX_BODY_BYTES - ENVELOPE_BYTES;

/**
 * Removes from the front of `queue` the longest run of events that fits one request and returns it.
 * An event larger than MAX_EVENT_BYTES never reaches the queue (the client refuses it).
 */
export function takeBatch(queue: SerializedEvent[], maxEvents = MAX_EVENTS_PER_REQUEST, maxBytes = MAX_BODY_BYTES): SerializedEvent[] {
  let bytes = ENVELOPE_BYTES;
  let count = 0;
  for (const event of queue) {
    if (count >= maxEvents) break;
    const added = event.bytes + (count > 0 ? 1 : 0); // the comma between events
    if (count > 0 && bytes + added > maxBytes) break;
    bytes += added;
    count += 1;
  }
  return queue.splice(0, count);
}

export function batchBody(events: SerializedEvent[]): string {
  return `{"events":[${events.map((e) => e.json).join(',')}]}`;
}
