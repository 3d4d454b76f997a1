// Loads a PreparedLoad (load-prepare.ts): the resent-id plan from its flat keys, then inserts of its
// pre-encoded bodies as raw bytes. Same statements, same order and same plan as loadBatch on rows;
// this thread only joins lines when some calls are not inserted (resent ids).
import type { ClickHouseSettings } from '@clickhouse/client';
import type { ClickHouse } from './client.ts';
import { findCopies, planAgainst, runCallsPlan, type CallKey, type CallsPlan } from './calls-upsert.ts';
import { LOOKUP_CHUNK, type PreparedCalls, type PreparedLoad } from './load-prepare.ts';
import type { StoredIds } from './stored-ids.ts';
import { idKey } from './newest-per-id.ts';
import { CALL_COLUMNS, SCORE_COLUMNS, SPAN_COLUMNS, TRACE_COLUMNS } from './table-columns.ts';
import { resolveScoreCalls, scoreKeysOfLines } from './score-calls.ts';

/** A prepared call's key and its line in the prepared body. */
export type IndexedKey = CallKey & { line: number };
export type PreparedPlan = CallsPlan<IndexedKey> & { all: boolean };

/**
 * The plan for prepared calls; `all` when no id was seen before (then no keys are built here). With
 * a sound filter of stored ids, only the ids it may hold are looked up, and none when it holds none.
 */
export async function planPrepared(ch: ClickHouse, calls: PreparedCalls, stored?: StoredIds): Promise<PreparedPlan & { lookedUp: boolean }> {
  let lookup = calls.idChunks;
  const sound = stored?.sound ?? false;
  // Stored before the insert, whether or not the filter is sound now (a reseed keeps them).
  const maybe = await stored?.admit(calls);
  if (sound && maybe) {
    if (maybe.length === 0) return { ...allNew(), lookedUp: false };
    const ids = calls.idChunks.flatMap((chunk) => JSON.parse(chunk) as string[]);
    lookup = [];
    for (let i = 0; i < maybe.length; i += LOOKUP_CHUNK) lookup.push(JSON.stringify(maybe.slice(i, i + LOOKUP_CHUNK).map((line) => ids[line]!)));
  }
  const existing = await findCopies(ch, calls.projects, lookup);
  if (existing.size === 0) return { ...allNew(), lookedUp: true };
  const ids = calls.idChunks.flatMap((chunk) => JSON.parse(chunk) as string[]);
  const body = bytes(calls.body);
  const keys: IndexedKey[] = ids.map((id, line) => {
    const project_id = calls.projects[calls.projectIndex[line]!]!;
    const key = { project_id, id, version: calls.versions[line]!, timestamp: calls.timestamps[line]!, line };
    // Only a call with a copy already in calls needs its sorting key: read it from its line, rarely.
    if (!existing.has(idKey(project_id, id))) return { ...key, user_id: '', session_id: '', trace_id: '' };
    const values = JSON.parse(lineOf(body, calls, line).toString('utf8')) as unknown[];
    return { ...key, user_id: values[USER] as string, session_id: values[SESSION] as string, trace_id: values[TRACE] as string };
  });
  return { ...(await planAgainst(ch, keys, existing)), all: false, lookedUp: true };
}

const allNew = (): PreparedPlan => ({ inserts: [], corrections: [], stale: [], done: { corrections: false, inserts: false, stale: false }, all: true });

/**
 * Calls (plan first: corrections, inserts, stale copies), then spans, traces and scores. `settings`
 * go to the raw inserts only, where they are part of the statement. They were kept off the
 * corrections insert when chDB's client let a statement's `clickhouse_settings` outlive it (session
 * `SET`s); the client now resets them after each statement (session-settings.ts), but giving the
 * corrections insert these settings has not been measured.
 */
export async function loadPrepared(ch: ClickHouse, load: PreparedLoad, plan: PreparedPlan, settings: ClickHouseSettings = {}): Promise<void> {
  await runCallsPlan(ch, plan, {}, (inserts) =>
    ch.insertRaw('calls', CALL_COLUMNS, 'JSONCompactEachRow', plan.all ? bytes(load.calls.body) : selectLines(load.calls, inserts), { ...settings, log_comment: 'load.calls' }),
  );
  await ch.insertRaw('spans', SPAN_COLUMNS, 'JSONCompactEachRow', bytes(load.spans), { ...settings, log_comment: 'load.spans' });
  await ch.insertRaw('traces', TRACE_COLUMNS, 'JSONCompactEachRow', bytes(load.traces), { ...settings, log_comment: 'load.traces' });
  await ch.insertRaw('scores', SCORE_COLUMNS, 'JSONCompactEachRow', bytes(load.scores), { ...settings, log_comment: 'load.scores' });
  await resolveScoreCalls(ch, scoreKeysOfLines(bytes(load.scores), SCORE_COLUMNS));
}

const bytes = (view: Uint8Array): Buffer => Buffer.from(view.buffer, view.byteOffset, view.byteLength);

const USER = CALL_COLUMNS.indexOf('user_id');
const SESSION = CALL_COLUMNS.indexOf('session_id');
const TRACE = CALL_COLUMNS.indexOf('trace_id');

const lineOf = (body: Buffer, calls: PreparedCalls, line: number): Buffer => body.subarray(line === 0 ? 0 : calls.lineEnds[line - 1]!, calls.lineEnds[line]!);

/** The lines of the calls to insert, in their prepared order. */
function selectLines(calls: PreparedCalls, inserts: readonly IndexedKey[]): Buffer {
  const body = bytes(calls.body);
  return Buffer.concat(inserts.map(({ line }) => lineOf(body, calls, line)));
}
