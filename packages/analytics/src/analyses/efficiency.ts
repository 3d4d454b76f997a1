// Token efficiency: per feature (name) and model, the mean of one score over its calls, tokens per
// request, and score per 1k tokens (mean_score / (tokens_per_request / 1000)): what quality each
// token buys.
//
// A score counts for the call its observation_id names, when that call is in the range (ids are unique
// in a project, so whatever trace the score names). Any other score (of a whole trace, of a span, of a
// call outside the range or not loaded) counts once for every (name, model) with a call of its trace in
// the range. A call without trace_id is a trace of its own (its id). Groups without a score are left out.
//
// Where a score's call is found: the loader stores it on the score (migration 0017: the hour, name,
// model and version of the call's newest copy, from call_keys). A score whose stored call is in the
// range's whole hours, and was not replaced since (calls_replaced), is grouped by it with no join.
// Every other score (of a whole trace, of a span, of a call in a ragged edge hour or outside the
// range, of a call loaded after the score or replaced since) is joined with the live calls of the
// range, only those of its trace and its call. Joining every score with the raw calls read all 10M
// trace ids and took 1.7 s at 10M demo calls (707k scores on calls); looking the scored ids up in
// call_keys at query time still took 250 ms, as every granule holds a scored call.
import { z } from 'zod';
import type { AnalysisContext } from './context.ts';
import { queryAnalysis } from './calls-scope.ts';
import { fromBeforeTo, rangeShape } from './params.ts';
import { CALLS_HOURLY, hourlyUnion, liveCalls, rangeParts } from './hourly-parts.ts';
import { Dec } from './money.ts';
import { HOUR_MS, LONGEST_TRACE_HULL, nearRange, nextToBounds, rangeCondition, rangeParams as timeParams, traceStepsParts } from '../sql/index.ts';
import { rangeHoldsAllCalls, widen } from '../metrics/key-count.ts';

export const ZEfficiencyParams = z
  .object({ ...rangeShape, score: z.string().min(1).max(256) })
  .strict()
  .superRefine(fromBeforeTo);
export type TEfficiencyParams = z.input<typeof ZEfficiencyParams>;

export interface EfficiencyRow {
  name: string;
  model: string;
  requests: number;
  scores: number;
  mean_score: number;
  tokens_per_request: number | null;
  score_per_1k_tokens: number | null;
}

export interface EfficiencyData {
  score: string;
  groups: EfficiencyRow[];
}

/** Per (name, model): how many scores and their sum, exact (Decimal128(18), so the paths add up alike). */
interface ScoredGroup {
  name: string;
  model: string;
  scores: string;
  score_sum: string;
}

const SCORES = `SELECT trace_id, id AS score_id, observation_id, value, call_hour, call_name, call_model, call_version
  FROM scores FINAL WHERE project_id = {projectId:String} AND name = {score:String}`;

/**
 * Per score of SCORES (read as `scored`): live_call when it stores a call that is still that call's
 * newest copy; on_call when that call is in the whole hours [whole_from, whole_to); call_outside when
 * its hour lies wholly outside [from, to), so the score can only count for its trace's calls there.
 * A replaced copy is looked up by its version first: the id's hash is taken only for the scores whose
 * version some replaced copy has (hashing every score's observation_id took 20 of 135 ms at 707k
 * scores).
 */
const RESOLVED = `WITH replaced AS (SELECT id_hash, version FROM calls_replaced WHERE project_id = {projectId:String})
  SELECT trace_id, score_id, observation_id, value, call_name, call_model, call_hour,
    call_version != 0
      AND NOT (call_version IN (SELECT version FROM replaced) AND (sipHash64(observation_id), call_version) IN (SELECT id_hash, version FROM replaced)) AS live_call,
    live_call AND ${rangeCondition('call_hour', 'time', 'whole_')} AS on_call,
    live_call AND (call_hour + 3600 <= {from:DateTime64(3, 'UTC')} OR call_hour >= {to:DateTime64(3, 'UTC')}) AS call_outside
  FROM scored`;

/**
 * Traces that may have calls both in [from, to) and outside it, a superset (the join decides): those
 * with a call in the hours next to the bounds where such a trace has one (nextToBounds, as bounded by
 * the longest hull), from the rollup by hour and trace (sorted by hour: a few hours of it), and any
 * trace with a row outside calls_trace_steps' largest part (those rows' hulls are partial until
 * merged, so the longest hull may not bound them). By their key's hash (migration 0022). The traces
 * whose hull a bound cuts, read from every trace's hours, took 59-68 ms over 30 ragged days of 10M
 * calls; these 12-16.
 */
const CUT_TRACES = `SELECT trace_hash FROM calls_hourly_traces
    WHERE project_id = {projectId:String} AND ${nextToBounds('hour', LONGEST_TRACE_HULL)}
  UNION ALL
  SELECT trace_hash FROM calls_trace_steps WHERE project_id = {projectId:String} AND _part != {steps_part:String}`;

/** Scores (`s`: trace_id, score_id, observation_id, value) joined with `calls` (id, trace_key, name, model), the calls of the range that are their call or in their trace. */
const joined = (calls: string) => `SELECT group_key.1 AS name, group_key.2 AS model, count() AS scores, sum(toDecimal128(score_value, 18)) AS score_sum
  FROM (
    SELECT s.trace_id, s.score_id, any(s.value) AS score_value,
           countIf(c.id = s.observation_id) > 0 AS on_call,
           anyIf((c.name, c.model), c.id = s.observation_id) AS call_group,
           groupUniqArrayIf((c.name, c.model), c.trace_key = s.trace_id) AS trace_groups
    FROM ${calls} AS c
    INNER JOIN s ON c.trace_key = s.trace_id OR c.id = s.observation_id
    GROUP BY s.trace_id, s.score_id
  )
  ARRAY JOIN if(on_call, [call_group], trace_groups) AS group_key
  GROUP BY name, model`;

/** The columns of the calls `joined` reads. */
const JOINED_COLUMNS = "id, if(trace_id = '', id, trace_id) AS trace_key, name, model";

/**
 * The calls `joined` reads: those of the scores' traces in `s` (the trace key's bloom filter finds
 * their granules) and, with `byId`, the calls the scores name. Two reads, not one with OR, which no
 * index can serve (153 against 17 ms over 30 days of 10M calls). A call in both is read twice; the
 * join's aggregates (countIf > 0, anyIf, groupUniqArrayIf) do not mind.
 */
async function scoredCalls(ctx: AnalysisContext, range: { from: number; to: number }, byId: boolean): Promise<{ sql: string; params: Record<string, unknown> }> {
  const inTraces = 'trace_key IN (SELECT trace_id FROM s)';
  return liveCalls(ctx, range, JOINED_COLUMNS, byId ? [inTraces, 'id IN (SELECT observation_id FROM s)'] : inTraces);
}

/** `maxCarried`: at most this many scores left for the join travel with the first statement (tests set 0 to take the other path). */
export async function efficiency(ctx: AnalysisContext, input: TEfficiencyParams, maxCarried = MAX_CARRIED): Promise<EfficiencyData> {
  const params = ZEfficiencyParams.parse(input);
  // The groups' size from calls_hourly (whole hours; ragged edges raw): one raw pass fewer.
  const sizes = hourlyUnion(ctx, params, CALLS_HOURLY, { keys: ['name', 'model'], measures: ['requests', 'input_tokens', 'output_tokens'] });
  const sized = await queryAnalysis<{ name: string; model: string; requests: string; total_tokens: string }>(
    ctx.ch,
    `SELECT name, model, sum(requests) AS requests, sum(input_tokens + output_tokens) AS total_tokens
     FROM (${sizes.sql}) GROUP BY name, model HAVING requests > 0`,
    { tag: 'analyses.efficiency.sizes', params: sizes.params },
  );
  const scored = await scoredGroups(ctx, params, maxCarried);
  const size = new Map(sized.map((row) => [`${row.name}\u0000${row.model}`, row]));
  const groups = scored.flatMap((row) => {
    const group = size.get(`${row.name}\u0000${row.model}`);
    if (!group) return [];
    const requests = Number(group.requests);
    const tokensPerRequest = Number(group.total_tokens) / requests;
    const mean = new Dec(row.score_sum).div(row.scores).toNumber();
    return [
      {
        name: row.name,
        model: row.model,
        requests,
        scores: Number(row.scores),
        mean_score: mean,
        tokens_per_request: tokensPerRequest || null,
        score_per_1k_tokens: tokensPerRequest ? (mean * 1000) / tokensPerRequest : null,
      },
    ];
  });
  groups.sort((x, y) => (y.score_per_1k_tokens ?? -Infinity) - (x.score_per_1k_tokens ?? -Infinity) || x.name.localeCompare(y.name) || x.model.localeCompare(y.model));
  return { score: params.score, groups };
}

/** At most this many scores left for the join travel back with the first statement (else the join re-reads them). */
export const MAX_CARRIED = 10_000;

type Flag = number | boolean;
const yes = (flag: Flag) => flag === true || flag === 1;

/** Scores and their sum per (name, model): from the call stored on each where it can tell, the join for the rest. */
async function scoredGroups(ctx: AnalysisContext, range: { from: number; to: number; score: string }, maxCarried: number): Promise<ScoredGroup[]> {
  const params: Record<string, unknown> = { projectId: ctx.projectId, score: range.score };
  const whole = rangeParts(ctx, range).find((part) => part.source === 'rollup');
  if (!whole) {
    const calls = await scoredCalls(ctx, range, true);
    return queryAnalysis<ScoredGroup>(ctx.ch, `WITH s AS (${SCORES}) ${joined(calls.sql)}`, { tag: 'analyses.efficiency.raw', params: { ...params, ...calls.params } });
  }
  Object.assign(params, timeParams({ fromMs: range.from, toMs: range.to }), timeParams({ fromMs: whole.from, toMs: whole.to }, 'whole_'));
  // A score whose call is outside the range counts only if its trace has calls in it too: a trace cut
  // by a bound. When the range's hours (ragged bounds widened to whole hours) hold every hour with
  // calls, no call's hour lies wholly outside the range (call_outside) and the cut is not read: a pass
  // over every trace's hours (7.5M at 10M calls), most of a ragged whole-period query's time.
  const allHours = await rangeHoldsAllCalls(ctx, widen({ fromMs: range.from, toMs: range.to }, HOUR_MS));
  let near = '';
  if (!allHours) {
    const parts = await traceStepsParts(ctx.ch);
    params.steps_part = parts[0] ?? '';
    // With calls_trace_steps in one part, no trace is longer than its longest hull, so a call further
    // than that from the range shares no trace with a call inside it: only the scores near the range
    // have their trace hashed. With more parts a trace's rows may be split among them, each hull
    // partial, so every score whose call is outside is.
    if (parts.length <= 1) near = ` AND ${nearRange('call_hour', LONGEST_TRACE_HULL)}`;
  }
  // `if`, not AND: ClickHouse hashed every row's trace_id for an IN under AND, an if's branch only
  // where its condition holds (at 10M calls over 30 days, 707k scores: 40 of 140 ms).
  const cut = allHours ? 'false' : `if(call_outside${near}, sipHash128(trace_id) IN (${CUT_TRACES}), 0)`;
  const left = `NOT on_call AND (NOT call_outside OR ${cut})`;
  // One row per resolved (name, model), and one with the scores left for the join, carried along
  // when there are few of them.
  const rows = await queryAnalysis<ScoredGroup & { on_call: Flag; carried: Carried[] }>(
    ctx.ch,
    `WITH scored AS (${SCORES})
     SELECT on_call, if(on_call, call_name, '') AS name, if(on_call, call_model, '') AS model,
            count() AS scores, sum(toDecimal128(value, 18)) AS score_sum,
            groupArrayIf(${Math.trunc(maxCarried) + 1})((trace_id, score_id, observation_id, value, if(live_call, toUInt32(call_hour), 0)), NOT on_call) AS rest_rows,
            if(length(rest_rows) > ${Math.trunc(maxCarried)}, [], rest_rows) AS carried
     FROM (${RESOLVED}) WHERE on_call OR (${left}) GROUP BY on_call, name, model`,
    { tag: 'analyses.efficiency.resolved', params },
  );
  const resolved = rows.filter((row) => yes(row.on_call));
  const [rest] = rows.filter((row) => !yes(row.on_call));
  const sums = new Map<string, ScoredGroup>();
  for (const row of [...resolved, ...(rest ? await joinedGroups(ctx, range, params, rest, left) : [])]) {
    const key = `${row.name}\u0000${row.model}`;
    const seen = sums.get(key);
    sums.set(key, seen ? { ...seen, scores: String(Number(seen.scores) + Number(row.scores)), score_sum: new Dec(seen.score_sum).plus(row.score_sum).toString() } : { name: row.name, model: row.model, scores: row.scores, score_sum: row.score_sum });
  }
  return [...sums.values()];
}

/** The scores left for the join, joined: from the carried rows, or read again (`left` over RESOLVED) when there were too many. */
async function joinedGroups(
  ctx: AnalysisContext,
  range: { from: number; to: number },
  params: Record<string, unknown>,
  rest: { scores: string; carried: Carried[] },
  left: string,
): Promise<ScoredGroup[]> {
  const carried = rest.carried.length === Number(rest.scores);
  // Scores whose call is outside the range only count for their trace: their calls need not be found.
  const byId = carried ? rest.carried.some(([, , observation]) => observation !== '') : true;
  const calls = carried ? await carriedCalls(ctx, range, rest.carried, byId) : await scoredCalls(ctx, range, byId);
  const s = carried
    ? `SELECT r.1 AS trace_id, r.2 AS score_id, r.3 AS observation_id, r.4 AS value, r.5 AS call_hour
       FROM (SELECT arrayJoin(arrayZip({c_trace:Array(String)}, {c_score:Array(String)}, {c_observation:Array(String)}, {c_value:Array(Float64)}, {c_hour:Array(UInt32)})) AS r)`
    : `WITH scored AS (${SCORES}) SELECT trace_id, score_id, observation_id, value FROM (${RESOLVED}) WHERE ${left}`;
  return queryAnalysis<ScoredGroup>(ctx.ch, `WITH s AS MATERIALIZED (${s}) ${joined(calls.sql)}`, {
    tag: 'analyses.efficiency.joined',
    params: { ...params, ...calls.params, ...(['c_trace', 'c_score', 'c_observation', 'c_value', 'c_hour'] as const).reduce((out, name, i) => ({ ...out, [name]: rest.carried.map((row) => row[i]) }), {}) },
  });
}

/** A score left for the join: trace_id, score id, observation_id, value, and its call's hour (epoch seconds) when it stores its live call, else 0. */
type Carried = [string, string, string, number, number | string];

/**
 * Below this many hours of range per trace, traceHours reads the hours of the range's rollup by hour
 * and trace (a read of every trace's rows in the range: 26 ms for 30 days of 10M calls, about 0.04
 * ms an hour), else the traces' hulls in calls_trace_steps (by its sorting key, one range read per
 * trace: 56 ms for 192 traces, about 0.3 ms a trace, whatever the range).
 */
export const HOURS_PER_TRACE = 8;

/**
 * Per trace (by key) of `traces` with a call in [from, to), an hour span holding every hour it has a
 * call in there, as epoch seconds, ordered by its start: the trace's hours in calls_hourly_traces
 * over the range's hours, or its whole hull (wider, as good for bounding a read of the range's calls).
 * `source` forces one of them (tests).
 */
export async function traceHours(
  ctx: AnalysisContext,
  range: { from: number; to: number },
  traces: string[],
  source: 'auto' | 'hourly' | 'hulls' = 'auto',
): Promise<{ lo: number | string; hi: number | string }[]> {
  const hours = (range.to - range.from) / HOUR_MS;
  const hourly = source === 'hourly' || (source === 'auto' && hours < traces.length * HOURS_PER_TRACE);
  const params = { projectId: ctx.projectId, traces, ...timeParams({ fromMs: range.from, toMs: range.to }) };
  return queryAnalysis<{ lo: number | string; hi: number | string }>(
    ctx.ch,
    hourly
      ? `SELECT toUInt32(min(hour)) AS lo, toUInt32(max(hour)) AS hi FROM calls_hourly_traces
         WHERE project_id = {projectId:String} AND hour >= toStartOfHour({from:DateTime64(3, 'UTC')}) AND hour < {to:DateTime64(3, 'UTC')}
           AND trace_hash IN (SELECT sipHash128(arrayJoin({traces:Array(String)})))
         GROUP BY trace_hash ORDER BY lo`
      : `SELECT toUInt32(min(min_hour)) AS lo, toUInt32(max(max_hour)) AS hi FROM calls_trace_steps
         WHERE project_id = {projectId:String} AND trace_id IN {traces:Array(String)} GROUP BY trace_id ORDER BY lo`,
    { tag: `analyses.efficiency.${hourly ? 'trace_hours' : 'hulls'}`, params },
  );
}

/** Beyond this many separate windows of hours, the carried scores' traces are read over the whole range. */
const MAX_TRACE_WINDOWS = 32;

/**
 * The calls `joined` reads for carried scores (few), each read bounded by what the scores tell:
 * - their traces' calls within the hours those traces have calls in (traceHours), merged into a few
 *   windows: read over the whole range, the trace key's bloom filter passed most granules for 74
 *   traces over 92 days (280 ms);
 * - their calls by (hour, id), the prefix of calls' sorting key after project_id, where the score
 *   stores the hour of its call's live copy (else by id over the range: every call's id is read).
 */
async function carriedCalls(ctx: AnalysisContext, range: { from: number; to: number }, carried: Carried[], byId: boolean): Promise<{ sql: string; params: Record<string, unknown> }> {
  const hulls = await traceHours(ctx, range, [...new Set(carried.map(([trace]) => trace))]);
  const windows: [number, number][] = [];
  for (const { lo, hi } of hulls) {
    const last = windows.at(-1);
    if (last && Number(lo) <= last[1] + 3600) last[1] = Math.max(last[1], Number(hi));
    else windows.push([Number(lo), Number(hi)]);
  }
  const hour = 'toStartOfHour(timestamp)';
  const inWindows =
    windows.length > MAX_TRACE_WINDOWS ? 'true' : windows.length === 0 ? 'false' : windows.map(([lo, hi]) => `${hour} BETWEEN toDateTime(${Math.trunc(lo)}, 'UTC') AND toDateTime(${Math.trunc(hi)}, 'UTC')`).join(' OR ');
  const conditions = [`trace_key IN (SELECT trace_id FROM s) AND (${inWindows})`];
  if (byId) {
    // calls by (hour, id) where the score stores its live call's hour; by id over the range for the
    // others (a span's id, a call replaced or loaded after the score), a read of every call's id
    const named = carried.filter(([, , observation]) => observation !== '');
    if (named.some(([, , , , callHour]) => Number(callHour) > 0)) conditions.push(`(${hour}, id) IN (SELECT toDateTime(call_hour, 'UTC'), observation_id FROM s WHERE observation_id != '' AND call_hour > 0)`);
    if (named.some(([, , , , callHour]) => Number(callHour) === 0)) conditions.push("id IN (SELECT observation_id FROM s WHERE observation_id != '' AND call_hour = 0)");
  }
  return liveCalls(ctx, range, JOINED_COLUMNS, conditions);
}
