// The demo product's features, each a kind of trace: which calls, spans and scores it makes, with
// which models and prompt shapes. Spend differs by orders of magnitude between them, as in real apps.
import { hashInput, type SpanRow } from '@margin/core';
import { callWithRetries, type Anatomy, type CallSpec, type TraceContext } from './calls.ts';
import type { DemoModelKey } from './models.ts';
import { ingestedAt, type Random } from './random.ts';

export type FeatureName = 'support.answer' | 'screening.rubric' | 'search.rerank' | 'agent.run' | 'summarise.thread' | 'extract.invoice';

/** Share of traces per feature; an agent trace holds agent.plan and agent.tool_call calls. */
export const FEATURE_WEIGHTS: Record<FeatureName, number> = {
  'search.rerank': 0.3,
  'support.answer': 0.22,
  'summarise.thread': 0.14,
  'screening.rubric': 0.12,
  'extract.invoice': 0.12,
  'agent.run': 0.1,
};

/** Features run offline through a batch API, at night, without an end user. */
export const OFFLINE_FEATURES: readonly FeatureName[] = ['extract.invoice'];

export interface FeatureContext extends TraceContext {
  start: number;
  /** The spike day: support.answer was switched to the premium model by mistake. */
  spike: boolean;
}

const TOOLS = ['search_kb', 'get_order', 'lookup_customer', 'run_sql', 'fetch_url'] as const;

const size = (random: Random, median: number, sigma: number) => Math.max(1, Math.round(random.logNormal(median, sigma)));

function anatomy(parts: Partial<Anatomy>): Anatomy {
  return { system: 0, tools: 0, retrieval: 0, history: 0, toolResults: 0, userInput: 0, reported: true, ...parts };
}

function spec(parts: Omit<CallSpec, 'cachePrefix' | 'cacheHitRate' | 'batch' | 'parentId' | 'validationRetryRate'> & Partial<CallSpec>): CallSpec {
  return { cachePrefix: 0, cacheHitRate: 0, batch: false, parentId: '', validationRetryRate: 0, ...parts };
}

function pickModel(random: Random, choices: [DemoModelKey, number][]): DemoModelKey {
  let roll = random.next();
  for (const [model, share] of choices) if ((roll -= share) < 0) return model;
  return choices[choices.length - 1]![0];
}

function span(ctx: FeatureContext, fields: Pick<SpanRow, 'name' | 'kind' | 'timestamp' | 'duration_ms'> & Partial<SpanRow>): SpanRow {
  const row: SpanRow = {
    project_id: ctx.projectId,
    id: ctx.random.id64(),
    trace_id: ctx.traceId,
    parent_id: '',
    environment: ctx.environment,
    status: 'ok',
    error_message: '',
    tool_name: '',
    input_hash: '0',
    input: '',
    output: '',
    metadata: {},
    retention_days: 0,
    version: ingestedAt(fields.timestamp + fields.duration_ms),
    ...fields,
  };
  ctx.out.spans.push(row);
  return row;
}

function score(ctx: FeatureContext, at: number, value: number, observationId: string): void {
  ctx.out.scores.push({
    project_id: ctx.projectId,
    id: ctx.random.id128(),
    timestamp: at + 60_000,
    trace_id: ctx.traceId,
    observation_id: observationId,
    name: 'quality',
    value: Math.round(value * 1000) / 1000,
    comment: '',
    retention_days: 0,
    version: ingestedAt(at + 60_000),
  });
}

function supportAnswer(ctx: FeatureContext): void {
  const { random } = ctx;
  // On the spike day a config change sent every support answer to the premium model.
  const model = ctx.spike ? 'opus' : pickModel(random, [['sonnet', 0.65], ['gpt4o', 0.32], ['opus', 0.03]]);
  const retrieval = span(ctx, { name: 'retrieve.docs', kind: 'retrieval', timestamp: ctx.start, duration_ms: random.int(40, 220) });
  let at = retrieval.timestamp + retrieval.duration_ms;
  let history = random.chance(0.4) ? 0 : size(random, 1500, 0.8);
  const turns = random.chance(0.2) ? 2 : 1;
  for (let turn = 0; turn < turns; turn++) {
    const system = size(random, 900, 0.05);
    const tools = 350;
    const { row, end } = callWithRetries(
      ctx,
      spec({
        name: 'support.answer',
        model,
        anatomy: anatomy({ system, tools, retrieval: size(random, 2400, 0.5), history, userInput: size(random, 70, 0.8) }),
        outputTokens: size(random, 260, 0.6),
        cachePrefix: system + tools,
        cacheHitRate: 0.8,
      }),
      at,
    );
    if (!row) return;
    history += row.output_tokens + 80;
    at = end + random.int(5_000, 90_000);
    if (turn === turns - 1 && row.status === 'ok' && random.chance(0.15)) {
      score(ctx, end, random.chance(model === 'gpt4o' ? 0.78 : 0.84) ? 1 : 0, row.id);
    }
  }
}

function screeningRubric(ctx: FeatureContext): void {
  const { random } = ctx;
  const { row, end } = callWithRetries(
    ctx,
    spec({
      name: 'screening.rubric',
      model: 'sonnet',
      // The same 2,800-token rubric on every call and no cache: the caching opportunity.
      anatomy: anatomy({ system: size(random, 2800, 0.03), retrieval: size(random, 600, 0.3), userInput: size(random, 1800, 0.5) }),
      outputTokens: size(random, 450, 0.4),
      validationRetryRate: 0.05,
    }),
    ctx.start,
  );
  if (row?.status === 'ok' && random.chance(0.4)) {
    score(ctx, end, Math.min(1, Math.max(0, 0.82 + 0.08 * random.normal())), row.id);
  }
}

function searchRerank(ctx: FeatureContext): void {
  const { random } = ctx;
  callWithRetries(
    ctx,
    spec({
      name: 'search.rerank',
      model: 'gpt4oMini',
      anatomy: anatomy({ system: 180, retrieval: size(random, 1600, 0.4), userInput: size(random, 25, 0.6) }),
      outputTokens: size(random, 40, 0.5),
    }),
    ctx.start,
  );
}

function summariseThread(ctx: FeatureContext): void {
  const { random } = ctx;
  const { row, end } = callWithRetries(
    ctx,
    spec({
      name: 'summarise.thread',
      model: pickModel(random, [['haiku', 0.7], ['gpt4oMini', 0.3]]),
      anatomy: anatomy({ system: size(random, 300, 0.05), history: size(random, 3500, 0.8), userInput: size(random, 20, 0.5) }),
      outputTokens: size(random, 320, 0.5),
    }),
    ctx.start,
  );
  if (row?.status === 'ok' && random.chance(0.1)) score(ctx, end, Math.min(1, Math.max(0, 0.75 + 0.12 * random.normal())), row.id);
}

function extractInvoice(ctx: FeatureContext): void {
  const { random } = ctx;
  // The batch job's SDK reports no prompt anatomy.
  callWithRetries(
    ctx,
    spec({
      name: 'extract.invoice',
      model: pickModel(random, [['gpt4oMini', 0.75], ['gpt4o', 0.25]]),
      anatomy: anatomy({ system: size(random, 650, 0.05), userInput: size(random, 1400, 0.6), reported: false }),
      outputTokens: size(random, 380, 0.3),
      batch: true,
      validationRetryRate: 0.04,
    }),
    ctx.start,
  );
}

function agentRun(ctx: FeatureContext): void {
  const { random } = ctx;
  const root = span(ctx, { name: 'agent.run', kind: 'agent', timestamp: ctx.start, duration_ms: 0 });
  const system = size(random, 600, 0.05);
  const tools = 1400;
  const task = size(random, 120, 0.7);
  let { row, end } = callWithRetries(
    ctx,
    spec({
      name: 'agent.plan',
      model: pickModel(random, [['o1', 0.85], ['opus', 0.15]]),
      anatomy: anatomy({ system, tools, userInput: task }),
      outputTokens: size(random, 300, 0.5),
      parentId: root.id,
    }),
    ctx.start,
  );
  let history = row ? row.output_tokens - row.reasoning_tokens : 0;
  const stepModel = pickModel(random, [['gpt4o', 0.7], ['sonnet', 0.3]]);
  // Loop depth is heavy-tailed: most agents stop after 1-3 tools, a few go round in circles.
  const steps = Math.min(40, 1 + random.geometric(random.chance(0.05) ? 0.92 : 0.55));
  const done: { tool: string; input: string }[] = [];
  let lastResult = 0;
  for (let step = 0; step < steps && row; step++) {
    ({ row, end } = callWithRetries(
      ctx,
      spec({
        name: 'agent.tool_call',
        model: stepModel,
        anatomy: anatomy({ system, tools, history, toolResults: lastResult, userInput: task }),
        outputTokens: size(random, 80, 0.4),
        cachePrefix: system + tools,
        cacheHitRate: 0.7,
        parentId: root.id,
      }),
      end,
    ));
    if (!row || row.status === 'error') break;
    // Some steps call the same tool with the same input again: redundant tool calls.
    const call = done.length > 0 && random.chance(0.12)
      ? random.pick(done)
      : { tool: random.pick(TOOLS), input: JSON.stringify({ query: `q${random.int(1, 5000)}` }) };
    done.push(call);
    const tool = span(ctx, {
      name: `tool.${call.tool}`,
      kind: 'tool',
      parent_id: root.id,
      timestamp: end,
      duration_ms: random.int(30, 1500),
      tool_name: call.tool,
      input_hash: hashInput(call.input),
      input: call.input,
    });
    end = tool.timestamp + tool.duration_ms;
    history += row.output_tokens + lastResult;
    lastResult = size(random, 600, 0.7);
  }
  root.duration_ms = end - root.timestamp;
  root.version = ingestedAt(end);
}

export const FEATURE_BUILDERS: Record<FeatureName, (ctx: FeatureContext) => void> = {
  'support.answer': supportAnswer,
  'screening.rubric': screeningRubric,
  'search.rerank': searchRerank,
  'summarise.thread': summariseThread,
  'extract.invoice': extractInvoice,
  'agent.run': agentRun,
};
