// The events the ingestion bench sends, and the rows the insert ceiling is measured with: one
// generator for both, so the ceiling is for the same rows. Random UUID ids (as real SDKs send),
// a pool of users, sessions, features and models, tokens of realistic sizes.
import crypto from 'node:crypto';

const MODELS = [
  ['openai', 'gpt-4o-mini'],
  ['openai', 'gpt-4o'],
  ['anthropic', 'claude-3-5-sonnet-20241022'],
  ['anthropic', 'claude-3-5-haiku-20241022'],
  ['google', 'gemini-1.5-flash'],
] as const;
const NAMES = ['screening.rubric', 'support.reply', 'search.rerank', 'summary.daily', 'agent.plan', 'agent.tool_call', 'extract.invoice', 'chat.answer'];

/** A small deterministic-enough PRNG: cheap, and the bench needs spread, not secrecy. */
let seed = 0x9e3779b9 ^ process.pid;
const rand = (): number => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 4294967296;
};
const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;

/** One generation event as an SDK would send it; `timestamp` in epoch ms. */
export function makeEvent(timestamp: number): Record<string, unknown> {
  const [provider, model] = pick(MODELS);
  const input = 200 + Math.floor(rand() * 4000);
  const cacheRead = rand() < 0.4 ? Math.floor(input * rand() * 0.8) : 0;
  const output = 20 + Math.floor(rand() * 800);
  const user = Math.floor(rand() * rand() * 5000);
  const traced = rand() < 0.5;
  return {
    id: crypto.randomUUID(),
    type: 'generation',
    timestamp,
    ...(traced ? { trace_id: crypto.randomUUID(), parent_id: crypto.randomUUID() } : {}),
    name: pick(NAMES),
    user_id: `user-${user}`,
    session_id: `session-${user}-${Math.floor(rand() * 20)}`,
    environment: rand() < 0.9 ? 'production' : 'staging',
    tags: rand() < 0.3 ? ['beta'] : [],
    provider,
    model,
    duration_ms: 200 + Math.floor(rand() * 5000),
    status: rand() < 0.03 ? 'error' : 'ok',
    usage: { input_tokens: input, output_tokens: output, cache_read_tokens: cacheRead },
  };
}

/** `count` events spread evenly over the `days` before `now`. */
export function makeHistory(count: number, now: number, days: number): Record<string, unknown>[] {
  const span = days * 86_400_000;
  return Array.from({ length: count }, (_, i) => makeEvent(now - span + Math.floor((i / count) * span)));
}
