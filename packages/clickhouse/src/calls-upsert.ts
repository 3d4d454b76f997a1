// Loads calls so that a resent id counts once everywhere: only the newest `version` of an id stays in
// `calls` (FINAL keeps the last inserted copy of a sorting key, see migration 0012), and the rollups fed by calls_delta get -1 for a copy that was replaced
// (through calls_corrections, migration 0003), exactly once even when a load is replayed.
import { TupleParam, type ClickHouseSettings } from '@clickhouse/client';
import type { CallRow } from '@margin/core';
import type { ClickHouse } from './client.ts';
import { command, queryRows } from './query.ts';
import { DELTA_COLUMNS, insertCalls, insertCompact } from './table-columns.ts';
import { idKey, newestPerId } from './newest-per-id.ts';
import { LOOKUP_CHUNK } from './load-prepare.ts';

export { newestPerId };

type DeltaRow = Pick<CallRow, (typeof DELTA_COLUMNS)[number]>;
type CorrectionRow = DeltaRow & { replaced_by_version: number };
export type ExistingCopy = Omit<DeltaRow, 'sign'> & { hour: number };

/** What planning needs of an incoming call: its id, version and sorting key. */
export type CallKey = Pick<CallRow, 'project_id' | 'id' | 'version' | 'timestamp' | 'user_id' | 'session_id' | 'trace_id'>;

/** What loading one batch of calls does; steps already done are skipped when a retry runs it again. */
export interface CallsPlan<C extends CallKey = CallRow> {
  inserts: C[];
  /** Old copies that stop counting: written to calls_corrections, they reach calls_delta as -1. */
  corrections: CorrectionRow[];
  /** Older copies under another sorting key than the winner's: [project_id, id, ...sortKeyOf(copy)]. */
  stale: [string, string, number, string, string, string][];
  done: { corrections: boolean; inserts: boolean; stale: boolean };
}

const hourOf = (ms: number): number => Math.floor(ms / 3_600_000) * 3600;
type SortKey = [hour: number, user_id: string, session_id: string, trace_id: string];
/** The part of calls' sorting key (migration 0012) below project_id and above id. */
const sortKeyOf = (call: Pick<CallRow, 'timestamp' | 'user_id' | 'session_id' | 'trace_id'>): SortKey => [
  hourOf(call.timestamp),
  call.user_id,
  call.session_id,
  call.trace_id,
];
const sameKey = (a: SortKey, b: SortKey): boolean => a.every((part, i) => part === b[i]);

/** One lookup per batch (per 10,000 ids) of the copies `calls` already holds, then the plan. */
export async function planCalls(ch: ClickHouse, calls: readonly CallRow[]): Promise<CallsPlan> {
  const incoming = newestPerId(calls);
  const idChunks: string[] = [];
  for (let i = 0; i < incoming.length; i += LOOKUP_CHUNK) idChunks.push(JSON.stringify(incoming.slice(i, i + LOOKUP_CHUNK).map((c) => c.id)));
  const existing = await findCopies(ch, [...new Set(incoming.map((c) => c.project_id))], idChunks);
  return planAgainst(ch, incoming, existing);
}

/** The copies `calls` holds of these ids (JSON arrays of ids, one lookup each), by (project, id). */
export async function findCopies(ch: ClickHouse, projects: readonly string[], idChunks: readonly string[]): Promise<Map<string, ExistingCopy[]>> {
  const existing = new Map<string, ExistingCopy[]>();
  for (const ids of idChunks) {
    for (const copy of await lookupCopies(ch, projects, ids)) {
      const key = idKey(copy.project_id, copy.id);
      existing.set(key, [...(existing.get(key) ?? []), copy]);
    }
  }
  return existing;
}

/** The plan for incoming calls (one copy per id) against the copies found by findCopies. */
export async function planAgainst<C extends CallKey>(ch: ClickHouse, incoming: readonly C[], existing: Map<string, ExistingCopy[]>): Promise<CallsPlan<C>> {
  const plan: CallsPlan<C> = { inserts: [], corrections: [], stale: [], done: { corrections: false, inserts: false, stale: false } };
  if (existing.size === 0) {
    plan.inserts = [...incoming]; // nothing seen before: the common case, no per-call work
    return plan;
  }
  for (const call of incoming) {
    const copies = existing.get(idKey(call.project_id, call.id)) ?? [];
    const newest = copies.reduce<ExistingCopy | undefined>((best, c) => (!best || c.version > best.version ? c : best), undefined);
    if (!newest) {
      plan.inserts.push(call);
      continue;
    }
    // Keep the sorting key of whichever copy wins; older copies under another key would survive FINAL.
    let keep = sortKeyOf(newest);
    if (call.version > newest.version) {
      plan.inserts.push(call);
      const { hour: _hour, ...old } = newest;
      plan.corrections.push({ ...old, replaced_by_version: call.version });
      keep = sortKeyOf(call);
    }
    // A copy at the same version as the incoming one is a replay of it: nothing to insert or correct.
    const stale = new Map(copies.map((c) => sortKeyOf(c)).filter((key) => !sameKey(key, keep)).map((key) => [key.join('\u0000'), key]));
    for (const key of stale.values()) plan.stale.push([call.project_id, call.id, ...key]);
  }
  plan.corrections = await withoutWrittenCorrections(ch, plan.corrections);
  return plan;
}

/**
 * The copies `calls` holds of these ids: first their hours from call_keys (sorted by id hash, so a
 * lookup reads little), then, only for ids seen before, their rows from calls by primary key. The
 * ids travel as one JSON string: one parameter to bind instead of thousands. Rows of other
 * projects' ids may come back; the plan only looks up its own (project, id) keys.
 */
async function lookupCopies(ch: ClickHouse, projects: readonly string[], idsJson: string): Promise<ExistingCopy[]> {
  const keys = await queryRows<{ project_id: string; id_hash: string; hour: number }>(
    ch,
    `SELECT project_id, toString(id_hash) AS id_hash, toUInt32(hour) AS hour
     FROM call_keys
     WHERE project_id IN {projects:Array(String)}
       AND id_hash IN (SELECT sipHash64(arrayJoin(JSONExtract({ids:String}, 'Array(String)'))))`,
    { tag: 'load.call_keys_lookup', params: { projects, ids: idsJson } },
  );
  if (keys.length === 0) return [];
  // Rows of the hours that hold a matching hash; the (project, id) lookup in the plan drops collisions.
  const hours = [...new Map(keys.map((k) => [`${k.project_id}\u0000${k.hour}`, new TupleParam([k.project_id, Number(k.hour)])])).values()];
  const rows = await queryRows<Omit<ExistingCopy, 'timestamp' | 'version'> & { version: string; timestamp_ms: string | number }>(
    ch,
    `SELECT ${DELTA_COLUMNS.filter((c) => c !== 'timestamp').join(', ')},
            toUnixTimestamp64Milli(timestamp) AS timestamp_ms,
            toUInt32(toUnixTimestamp(toStartOfHour(timestamp))) AS hour
     FROM calls
     WHERE (project_id, toStartOfHour(timestamp)) IN
           (SELECT tupleElement(k, 1), toDateTime(tupleElement(k, 2), 'UTC') FROM (SELECT arrayJoin({hours:Array(Tuple(String, UInt32))}) AS k))
       AND sipHash64(id) IN (SELECT toUInt64(arrayJoin({hashes:Array(String)})))`,
    { tag: 'load.calls_lookup', params: { hours, hashes: [...new Set(keys.map((k) => k.id_hash))] } },
  );
  return rows.map(({ timestamp_ms, ...rest }) => ({ ...rest, version: Number(rest.version), timestamp: Number(timestamp_ms) }));
}

/** A replay after a crash between the corrections and the calls insert must not write -1 twice. */
async function withoutWrittenCorrections(ch: ClickHouse, corrections: CorrectionRow[]): Promise<CorrectionRow[]> {
  if (corrections.length === 0) return corrections;
  const written = await queryRows<{ project_id: string; id: string; version: string }>(
    ch,
    `SELECT project_id, id, version FROM calls_corrections
     WHERE (project_id, id, version) IN {keys:Array(Tuple(String, String, UInt64))}`,
    { tag: 'load.calls_corrections_lookup', params: { keys: corrections.map((c) => new TupleParam([c.project_id, c.id, c.version])) } },
  );
  const seen = new Set(written.map((w) => `${idKey(w.project_id, w.id)}\u0000${Number(w.version)}`));
  return corrections.filter((c) => !seen.has(`${idKey(c.project_id, c.id)}\u0000${c.version}`));
}

/**
 * Runs a plan: the old values of replaced copies into calls_corrections (-1 in calls_delta), new
 * copies into calls (+1 in calls_delta, same statement), then deletion of stale copies. In this
 * order a crash anywhere leaves a state that planning the same rows again completes exactly.
 */
export async function applyCallsPlan(ch: ClickHouse, plan: CallsPlan, settings: ClickHouseSettings = {}): Promise<void> {
  await runCallsPlan(ch, plan, settings, (rows) => insertCalls(ch, rows, settings));
}

/** applyCallsPlan with the calls insert supplied: the loader's worker path sends pre-encoded lines. */
export async function runCallsPlan<C extends CallKey>(
  ch: ClickHouse,
  plan: CallsPlan<C>,
  settings: ClickHouseSettings,
  insertCalls: (rows: readonly C[]) => Promise<void>,
): Promise<void> {
  if (!plan.done.corrections) {
    await insertCompact(ch, 'calls_corrections', [...DELTA_COLUMNS, 'replaced_by_version'], plan.corrections, settings);
    plan.done.corrections = true;
  }
  if (!plan.done.inserts) {
    await insertCalls(plan.inserts);
    plan.done.inserts = true;
  }
  if (!plan.done.stale && plan.stale.length > 0) {
    await command(
      ch,
      `DELETE FROM calls
       WHERE (project_id, id, toUInt32(toUnixTimestamp(toStartOfHour(timestamp))), user_id, session_id, trace_id)
             IN {stale:Array(Tuple(String, String, UInt32, String, String, String))}`,
      { tag: 'load.calls_stale', params: { stale: plan.stale.map((s) => new TupleParam(s)) } },
    );
  }
  plan.done.stale = true;
}
