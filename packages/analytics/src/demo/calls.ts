// Makes one demo call row (tokens, prompt anatomy, cache, failure and retry, timing, exact cost) and
// the retries that follow a failure. The feature builders in traces.ts decide what each call asks.
import type { CallRow, RowBatch } from '@margin/core';
import { DEMO_MODELS, priceCall, type DemoModel, type DemoModelKey, type MicroPrices } from './models.ts';
import type { DemoUser } from './population.ts';
import { ingestedAt, type Random } from './random.ts';

/** The parts of a prompt, in tokens; `reported: false` leaves the anatomy out of the row. */
export interface Anatomy {
  system: number;
  tools: number;
  retrieval: number;
  history: number;
  toolResults: number;
  userInput: number;
  reported: boolean;
}

export interface CallSpec {
  name: string;
  model: DemoModelKey;
  anatomy: Anatomy;
  outputTokens: number;
  /** Tokens of the prompt's stable prefix (system + tools) that a cache can serve. */
  cachePrefix: number;
  /** Chance that the prefix is read from cache; 0: the feature does not cache. */
  cacheHitRate: number;
  batch: boolean;
  parentId: string;
  /** Chance that an ok answer fails validation and is asked again (attempt + 1). */
  validationRetryRate: number;
}

export interface TraceContext {
  random: Random;
  projectId: string;
  prices: ReadonlyMap<string, MicroPrices>;
  traceId: string;
  user: DemoUser | null;
  sessionId: string;
  environment: string;
  /** Multiplies the failure rate (a provider incident). */
  errorFactor: number;
  /** Calls this trace may still add (the day's budget is exact). */
  remaining: number;
  out: RowBatch;
}

const ERRORS_WITHOUT_USAGE = ['rate_limit_exceeded: 429 Too Many Requests'];
const ERRORS_WITH_USAGE = ['timeout: stream stalled after 30000 ms', 'overloaded_error: 529 Overloaded', 'server_error: 500 upstream connection reset'];
const BASE_ERROR_RATE = 0.012;

/** Unknown `reported` anatomy: zeros and a null user_input, as when an SDK sends none. */
function anatomyColumns(anatomy: Anatomy) {
  return anatomy.reported
    ? {
        system_tokens: anatomy.system,
        tool_definition_tokens: anatomy.tools,
        retrieval_tokens: anatomy.retrieval,
        history_tokens: anatomy.history,
        tool_result_tokens: anatomy.toolResults,
        user_input_tokens: anatomy.userInput,
      }
    : { system_tokens: 0, tool_definition_tokens: 0, retrieval_tokens: 0, history_tokens: 0, tool_result_tokens: 0, user_input_tokens: null };
}

export function promptTokens(anatomy: Anatomy): number {
  const parts = anatomy.system + anatomy.tools + anatomy.retrieval + anatomy.history + anatomy.toolResults + anatomy.userInput;
  // Chat templates add a few tokens per message that no part claims.
  return parts + Math.round(parts * 0.01) + 6;
}

function cacheTokens(random: Random, model: DemoModel, spec: CallSpec): { read: number; write: number } {
  if (spec.cacheHitRate <= 0 || spec.cachePrefix <= 0) return { read: 0, write: 0 };
  if (model.provider === 'openai') {
    // OpenAI caches automatically from 1,024 prefix tokens on, in steps of 128.
    if (spec.cachePrefix < 1024 || !random.chance(spec.cacheHitRate)) return { read: 0, write: 0 };
    return { read: Math.floor(spec.cachePrefix / 128) * 128, write: 0 };
  }
  // Anthropic caches a marked prefix: a miss writes it (billed above the input price).
  return random.chance(spec.cacheHitRate) ? { read: spec.cachePrefix, write: 0 } : { read: 0, write: spec.cachePrefix };
}

/** Adds one call (attempt `attempt`) at `start`; returns its row, or null when the budget is spent. */
function addCall(ctx: TraceContext, spec: CallSpec, start: number, attempt: number): CallRow | null {
  if (ctx.remaining <= 0) return null;
  ctx.remaining--;
  const { random } = ctx;
  const model = DEMO_MODELS[spec.model];
  const prices = ctx.prices.get(model.model)!;
  const failureRate = BASE_ERROR_RATE * ctx.errorFactor * (model.tier === 'premium' ? 1.5 : 1);
  const failed = random.chance(failureRate);
  const usageLost = failed && random.chance(0.35);

  let inputTokens = promptTokens(spec.anatomy);
  let outputTokens = spec.outputTokens;
  let reasoningTokens = model.reasoning ? Math.round(random.logNormal(spec.outputTokens * 3, 0.6)) : 0;
  let cache = cacheTokens(random, model, spec);
  let anatomy = anatomyColumns(spec.anatomy);
  if (usageLost) {
    // Rejected before the model ran: nothing billed, nothing reported.
    inputTokens = outputTokens = reasoningTokens = 0;
    cache = { read: 0, write: 0 };
    anatomy = anatomyColumns({ ...spec.anatomy, reported: false });
  } else if (failed) {
    // Failed mid-stream: the prompt and the part of the answer so far are billed.
    const done = 0.2 + 0.5 * random.next();
    outputTokens = Math.round(outputTokens * done);
    reasoningTokens = Math.round(reasoningTokens * done);
  }
  outputTokens += reasoningTokens;

  const ttft = usageLost ? null : Math.round(random.logNormal(model.ttftMs, 0.35) + (reasoningTokens * 1000) / (model.tokensPerSecond * 2));
  const streaming = ttft === null ? 0 : ((outputTokens - reasoningTokens) * 1000) / random.logNormal(model.tokensPerSecond, 0.25);
  const durationMs = usageLost ? random.int(80, 400) : spec.batch ? Math.round(random.logNormal(8000, 0.5)) : Math.round(ttft! + streaming);
  const usage = { inputTokens, outputTokens, cacheReadTokens: cache.read, cacheWriteTokens: cache.write };
  const cost = priceCall(prices, usage, spec.batch);

  const row: CallRow = {
    project_id: ctx.projectId,
    id: random.id128(),
    timestamp: start,
    trace_id: ctx.traceId,
    parent_id: spec.parentId,
    name: spec.name,
    user_id: ctx.user?.id ?? '',
    session_id: ctx.sessionId,
    environment: ctx.environment,
    tags: ctx.user ? [`plan:${ctx.user.plan}`] : ['offline'],
    metadata: ctx.user ? { customer: ctx.user.customer } : {},
    provider: model.provider,
    model: model.model,
    status: failed ? 'error' : 'ok',
    error_message: failed ? random.pick(usageLost ? ERRORS_WITHOUT_USAGE : ERRORS_WITH_USAGE) : '',
    attempt,
    batch: spec.batch,
    duration_ms: durationMs,
    ttft_ms: spec.batch ? null : ttft,
    input_tokens: inputTokens,
    output_tokens: outputTokens,
    cache_read_tokens: cache.read,
    cache_write_tokens: cache.write,
    reasoning_tokens: reasoningTokens,
    ...anatomy,
    ...cost,
    price_source: 'catalog',
    input: '',
    output: '',
    retention_days: 0,
    version: ingestedAt(start + durationMs),
  };
  ctx.out.calls.push(row);
  return row;
}

/**
 * A call as the application makes it: a failure is retried (up to 3 attempts, with back-off) and an
 * answer that fails validation is asked again. Returns the last row and when it ended.
 */
export function callWithRetries(ctx: TraceContext, spec: CallSpec, start: number): { row: CallRow | null; end: number } {
  let at = start;
  let last: CallRow | null = null;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const row = addCall(ctx, spec, at, attempt);
    if (!row) break;
    last = row;
    at = row.timestamp + row.duration_ms;
    const retry = row.status === 'error' ? ctx.random.chance(0.85) : ctx.random.chance(spec.validationRetryRate);
    if (!retry) break;
    at += row.status === 'error' ? 500 * 2 ** attempt : 50;
  }
  return { row: last, end: at };
}
