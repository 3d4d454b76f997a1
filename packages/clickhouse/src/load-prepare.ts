// Turns log records into what one load sends: per table the newest copy of each id, encoded as
// JSONCompactEachRow bytes, and the keys the resent-id lookup needs in flat arrays. Pure and
// CPU-heavy (JSON parse and encode of up to 50,000 rows): the load worker runs it off the thread
// that answers HTTP (load-worker.ts), and it transfers without copying (Buffers, typed arrays).
import type { CallRow } from '@margin/core';
import { newestPerId } from './newest-per-id.ts';
import type { LogRecord } from './log-segment.ts';
import { hashIds } from './stored-ids.ts';
import { SCORE_COLUMNS, SPAN_COLUMNS, TRACE_COLUMNS, compactCalls, toCompact } from './table-columns.ts';

/**
 * Ids per resent-id lookup statement (the lookup's IN set). Each statement has a fixed cost (about
 * 40 ms at 1M keys on a quiet machine), so one statement per load: at 50,000 ids and 1.4M keys,
 * 155-207 ms in one statement against 326-540 ms in five of 10,000 (bench/ingest/turn-cost.ts).
 */
export const LOOKUP_CHUNK = 50_000;

export interface PreparedCalls {
  count: number;
  /** One JSONCompactEachRow line per call (CALL_COLUMNS order), newest copy per (project, id). */
  body: Uint8Array;
  /** Byte offset just past line i (its '\n' included). */
  lineEnds: Uint32Array;
  /** Distinct project ids; `projectIndex[i]` points into it. */
  projects: string[];
  projectIndex: Uint32Array;
  /** The ids in line order, as JSON arrays of at most LOOKUP_CHUNK each (a lookup's parameter). */
  idChunks: string[];
  /** sipHash64 of each id (high, low uint32 per line): what the loader's filter of stored ids checks. */
  idHashes: Uint32Array;
  versions: Float64Array;
  timestamps: Float64Array;
}

export interface PreparedLoad {
  records: number;
  rows: number;
  /** Log offset just past the last record. */
  end: number;
  calls: PreparedCalls;
  spans: Uint8Array;
  traces: Uint8Array;
  scores: Uint8Array;
}

export function prepareLoad(records: readonly LogRecord[], end: number): PreparedLoad {
  const calls: CallRow[] = [];
  const spans = [];
  const traces = [];
  const scores = [];
  let rows = 0;
  for (const record of records) {
    for (const row of record.batch.calls) calls.push(row);
    for (const row of record.batch.spans) spans.push(row);
    for (const row of record.batch.traces) traces.push(row);
    for (const row of record.batch.scores) scores.push(row);
    rows += record.rows;
  }
  return {
    records: records.length,
    rows,
    end,
    calls: prepareCalls(newestPerId(calls)),
    // Within a batch, one copy per id (spans are sorted by hour too: two copies of an id in different
    // hours would both survive FINAL). Across batches that case is not handled for spans.
    spans: encodeLines(toCompact(newestPerId(spans), SPAN_COLUMNS)).body,
    traces: encodeLines(toCompact(newestPerId(traces), TRACE_COLUMNS)).body,
    scores: encodeLines(toCompact(newestPerId(scores), SCORE_COLUMNS)).body,
  };
}

function prepareCalls(calls: readonly CallRow[]): PreparedCalls {
  const { body, lineEnds } = encodeLines(compactCalls(calls));
  const projects: string[] = [];
  const projectSlot = new Map<string, number>();
  const projectIndex = new Uint32Array(calls.length);
  const versions = new Float64Array(calls.length);
  const timestamps = new Float64Array(calls.length);
  const idChunks: string[] = [];
  for (let i = 0; i < calls.length; i++) {
    const call = calls[i]!;
    let slot = projectSlot.get(call.project_id);
    if (slot === undefined) {
      slot = projects.push(call.project_id) - 1;
      projectSlot.set(call.project_id, slot);
    }
    projectIndex[i] = slot;
    versions[i] = call.version;
    timestamps[i] = call.timestamp;
  }
  for (let i = 0; i < calls.length; i += LOOKUP_CHUNK) {
    idChunks.push(JSON.stringify(calls.slice(i, i + LOOKUP_CHUNK).map((c) => c.id)));
  }
  const idHashes = hashIds(calls.map((c) => c.id));
  return { count: calls.length, body, lineEnds, projects, projectIndex, idChunks, idHashes, versions, timestamps };
}

/** Rows as JSONCompactEachRow: the same JSON the client's own encoder writes for array rows. */
function encodeLines(rows: readonly unknown[][]): { body: Uint8Array; lineEnds: Uint32Array } {
  const lineEnds = new Uint32Array(rows.length);
  const lines = new Array<string>(rows.length);
  let bytes = 0;
  for (let i = 0; i < rows.length; i++) {
    const line = `${JSON.stringify(rows[i])}\n`;
    lines[i] = line;
    bytes += Buffer.byteLength(line);
    lineEnds[i] = bytes;
  }
  // A Buffer of its own (not a slice of Node's pool), so it can be transferred to another thread.
  const body = new Uint8Array(bytes);
  let at = 0;
  for (const line of lines) at += Buffer.from(body.buffer, body.byteOffset + at, bytes - at).write(line);
  return { body, lineEnds };
}

/** The buffers to transfer with a PreparedLoad: it owns each of them whole. */
export function transferList(load: PreparedLoad): ArrayBuffer[] {
  const views = [load.calls.body, load.calls.lineEnds, load.calls.projectIndex, load.calls.idHashes, load.calls.versions, load.calls.timestamps, load.spans, load.traces, load.scores];
  return views.map((v) => v.buffer as ArrayBuffer).filter((b) => b.byteLength > 0);
}
