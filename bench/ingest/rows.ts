// The bench's events as the rows ingestion would store for one project: parsed, priced by the
// default catalog and normalised by core, for benches that load rows without going through HTTP.
import { createPricer, parseEvent, toRows, type RowBatch, type TEvent } from '@margin/core';

export function rowsFor(projectId: string): (raw: Record<string, unknown>[]) => RowBatch {
  const pricer = createPricer({ projectPrices: [] });
  return (raw) => {
    const events = raw.map((r) => parseEvent(r)).flatMap((r) => (r.ok ? [r.event as TEvent] : []));
    return toRows(events, { projectId, retentionDays: 0, storeContent: false, now: Date.now(), pricer });
  };
}
