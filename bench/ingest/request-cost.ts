// The thread answering HTTP, per 100-event request, by step: JSON.parse of the body, validation
// (parseEvent), normalisation and pricing (toRows), and the log record (JSON.stringify + crc32).
// Medians of REQUEST_ROUNDS rounds of REQUEST_COUNT requests each; bench/ingest's generator.
//   npx tsx bench/ingest/request-cost.ts   (REQUEST_BATCH=100, REQUEST_COUNT=200, REQUEST_ROUNDS=9)
import zlib from 'node:zlib';
import { createPricer, parseEvent, toRows, type TEvent } from '@margin/core';
import { makeEvent } from './events.ts';
import { round } from './stats.ts';

const BATCH = Number(process.env.REQUEST_BATCH ?? 100);
const COUNT = Number(process.env.REQUEST_COUNT ?? 200);
const ROUNDS = Number(process.env.REQUEST_ROUNDS ?? 9);
const bodies = Array.from({ length: COUNT }, () => Buffer.from(JSON.stringify({ events: Array.from({ length: BATCH }, () => makeEvent(Date.now())) })));
const pricer = createPricer({ projectPrices: [] });
const steps = { parse: [] as number[], validate: [] as number[], toRows: [] as number[], record: [] as number[] };
for (let r = 0; r < ROUNDS; r++) {
  const t = { parse: 0, validate: 0, toRows: 0, record: 0 };
  for (const body of bodies) {
    let mark = performance.now();
    const json = JSON.parse(body.toString('utf8')) as { events: unknown[] };
    t.parse += performance.now() - mark;
    mark = performance.now();
    const events = json.events.map((e) => parseEvent(e)).flatMap((e) => (e.ok ? [e.event as TEvent] : []));
    t.validate += performance.now() - mark;
    mark = performance.now();
    const batch = toRows(events, { projectId: 'p', retentionDays: 0, storeContent: false, now: Date.now(), pricer });
    t.toRows += performance.now() - mark;
    mark = performance.now();
    zlib.crc32(Buffer.from(JSON.stringify(batch)));
    t.record += performance.now() - mark;
  }
  for (const key of Object.keys(t) as (keyof typeof t)[]) steps[key].push(t[key] / COUNT);
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const total = Object.values(steps).reduce((sum, v) => sum + median(v), 0);
console.log(`per ${BATCH}-event request (medians of ${ROUNDS} rounds of ${COUNT}): ${Object.entries(steps).map(([k, v]) => `${k} ${round(median(v), 3)} ms`).join(', ')}; total ${round(total, 3)} ms`);
