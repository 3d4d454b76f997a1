// A validated generation event becomes one priced CallRow.
import type { TGenerationEvent, TUsage } from '../events/generation.ts';
import type { CallRow } from '../rows.ts';
import { cutContent } from './content.ts';
import { DEFAULT_ENVIRONMENT, durationOf, type NormaliseContext } from './context.ts';

/** Every column written out in one literal (no spreads): one object shape for every row, which the log's JSON.stringify takes fastest. */
export function toCallRow(event: TGenerationEvent, ctx: NormaliseContext): CallRow {
  const usage: Partial<TUsage> = event.usage ?? {};
  const anatomy = event.prompt_anatomy;
  const tokens = {
    input_tokens: usage.input_tokens ?? 0,
    output_tokens: usage.output_tokens ?? 0,
    cache_read_tokens: usage.cache_read_tokens ?? 0,
    cache_write_tokens: usage.cache_write_tokens ?? 0,
  };
  const model = event.model ?? '';
  const provider = event.provider ?? '';
  const cost = ctx.pricer.price({
    model,
    provider,
    timestamp: event.timestamp,
    usage: tokens,
    batch: event.batch ?? false,
    clientCostTotal: event.cost?.total ?? null,
  });
  return {
    project_id: ctx.projectId,
    id: event.id,
    timestamp: event.timestamp,
    // A call without a trace is a trace of its own.
    trace_id: event.trace_id ?? event.id,
    parent_id: event.parent_id ?? '',
    name: event.name ?? '',
    user_id: event.user_id ?? '',
    session_id: event.session_id ?? '',
    environment: event.environment || DEFAULT_ENVIRONMENT,
    tags: event.tags ?? [],
    metadata: event.metadata ?? {},
    provider,
    model,
    status: event.status ?? 'ok',
    error_message: event.error_message ?? '',
    attempt: event.attempt ?? 1,
    batch: event.batch ?? false,
    duration_ms: durationOf(event),
    ttft_ms: event.ttft_ms ?? null,
    input_tokens: tokens.input_tokens,
    output_tokens: tokens.output_tokens,
    cache_read_tokens: tokens.cache_read_tokens,
    cache_write_tokens: tokens.cache_write_tokens,
    reasoning_tokens: usage.reasoning_tokens ?? 0,
    system_tokens: anatomy?.system_tokens ?? 0,
    tool_definition_tokens: anatomy?.tool_definition_tokens ?? 0,
    retrieval_tokens: anatomy?.retrieval_tokens ?? 0,
    history_tokens: anatomy?.history_tokens ?? 0,
    tool_result_tokens: anatomy?.tool_result_tokens ?? 0,
    user_input_tokens: anatomy?.user_input_tokens ?? null,
    cost_input: cost.cost_input,
    cost_output: cost.cost_output,
    cost_cache_read: cost.cost_cache_read,
    cost_cache_write: cost.cost_cache_write,
    cost_total: cost.cost_total,
    price_source: cost.price_source,
    input_price: cost.input_price,
    output_price: cost.output_price,
    cache_read_price: cost.cache_read_price,
    cache_write_price: cost.cache_write_price,
    input: ctx.storeContent && event.input !== undefined ? cutContent(event.input) : '',
    output: ctx.storeContent && event.output !== undefined ? cutContent(event.output) : '',
    retention_days: ctx.retentionDays,
    version: ctx.now,
  };
}
