// The rollup tests' calls: random values (seeded, so a failure reproduces), loaded through the real
// loader three times with replays, changed copies (often another hour or day), older copies and two
// copies of one id in a batch, so that the rollups hold +1 and -1 rows side by side.
import type { ClickHouse } from '@margin/clickhouse';
import type { CallRow } from '@margin/core';
import { at, call, insertCalls } from './metrics-fixtures.ts';

/** The rollups fed from calls_delta (migrations 0004-0006, 0008-0009). */
export const ROLLUP_TABLES = ['calls_hourly', 'calls_daily_users', 'calls_daily_sessions', 'calls_hourly_tags', 'calls_hourly_traces', 'calls_daily_latency'];

// Seeded, so a failure reproduces.
export function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = random(7);
const pick = <T,>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;
export const int = (max: number): number => Math.floor(rnd() * max);
export const usd = (): string => `${int(3)}.${String(int(1e12)).padStart(12, '0')}`;

const MODELS = [['openai', 'gpt-4o-mini'], ['openai', 'gpt-4o'], ['anthropic', 'claude-3-5-sonnet']] as const;
const NAMES = ['chat', 'summarize', 'screening.rubric'];
const USERS = ['', 'u1', 'u2', 'u3', 'u4', 'u5', 'u6'];
const SESSIONS = ['', 's1', 's2', 's3', 's4', 's5', 's6', 's7'];
// '' : a trace of its own (the call's id); the others hold several calls, across hours and days
const TRACES = ['', '', '', 't1', 't2', 't3', 't4', 't5', 't6', 't7', 't8', 't9', 't10', 't11', 't12'];

export function randomValues(): Partial<CallRow> {
  const [provider, model] = pick(MODELS);
  const input = int(5000);
  return {
    timestamp: at(1, 0) + int(3 * 24 * 60) * 60_000 + int(60_000),
    provider, model, name: pick(NAMES), environment: pick(['production', 'staging']),
    user_id: pick(USERS), session_id: pick(SESSIONS), trace_id: pick(TRACES), tags: pick([[], ['a'], ['a', 'b']]),
    status: rnd() < 0.2 ? 'error' : 'ok', attempt: rnd() < 0.1 ? 2 : 1, batch: rnd() < 0.2,
    duration_ms: pick([int(5000), 100 * int(8)]), input_tokens: input, output_tokens: int(800), cache_read_tokens: int(input + 1),
    reasoning_tokens: int(100), user_input_tokens: rnd() < 0.5 ? null : int(input + 1),
    cost_total: usd(), input_price: pick(['0.15', '2.5', '3']), cache_read_price: pick(['0.075', '1.25', '0.3']),
  };
}

/** Loads 401 calls, then resent, changed and older copies of some of them. */
export async function loadResentAndChanged(ch: ClickHouse): Promise<void> {
  const first = Array.from({ length: 400 }, (_, i) => call({ id: `id-${i}`, ...randomValues() }));
  // the only call of its user and session, moved to others below: a daily key whose rows add up to none
  const mover = call({ id: 'mover', ...randomValues(), user_id: 'user-gone', session_id: 'session-gone' });
  await insertCalls(ch, [...first, mover, call({ id: 'other', project_id: 'p2', ...randomValues() })]);
  const second = [
    ...first.slice(0, 40), // the same copies again: a replay
    ...first.slice(40, 80).map((c) => call({ ...c, version: 0, ...randomValues(), id: c.id })), // changed, often another hour or day
    ...first.slice(80, 100).map((c) => call({ ...c, version: 0, cost_total: usd(), timestamp: c.timestamp + 3_600_000, id: c.id })), // the next hour
    ...first.slice(100, 120).map((c) => call({ ...c, version: 0, id: c.id })), // newer copy, same values
    ...first.slice(120, 130).map((c) => ({ ...c, version: c.version - 1, cost_total: '99' })), // older copy: ignored
    call({ ...mover, ...randomValues(), timestamp: mover.timestamp, id: mover.id, version: 0 }),
  ].map((c) => (c.version === 0 ? { ...c, version: Date.now() + int(1000) } : c));
  await insertCalls(ch, second);
  // a third copy of some, and two copies of one id inside one batch
  await insertCalls(ch, [
    ...second.slice(40, 60).map((c) => call({ ...c, ...randomValues(), id: c.id, version: c.version + 10_000 })),
    call({ id: 'id-300', ...randomValues(), version: Date.now() + 50_000 }),
    call({ id: 'id-300', ...randomValues(), version: Date.now() + 60_000 }),
  ]);
}
