// OTLP spans become native events: each model call one `generation` (however many spans repeat its
// usage: the innermost call counts), every other span a `span` of the same trace, and each root
// span a `trace` with the trace-level attribution gathered from all of its spans.
import type { NormalisedUsage } from '@margin/core';
import { asDetails, costTotalFromLangfuse } from '../langfuse/usage.ts';
import type { CallMemory } from './call-memory.ts';
import { classify, type SpanRole } from './classify.ts';
import type { Attributes, OtlpSpan } from './decode.ts';
import { normaliseProvider } from './provider.ts';
import { content, num, str, strings, withPrefix } from './read-attributes.ts';
import { usageFromAttributes } from './usage.ts';

type NativeEvent = Record<string, unknown>;

const USER_KEYS = ['user.id', 'langfuse.user.id', 'ai.telemetry.metadata.userId', 'ai.telemetry.metadata.user_id', 'enduser.id'];
const SESSION_KEYS = ['session.id', 'langfuse.session.id', 'gen_ai.conversation.id', 'ai.telemetry.metadata.sessionId', 'ai.telemetry.metadata.session_id'];
const ENVIRONMENT_KEYS = ['langfuse.environment', 'deployment.environment.name', 'deployment.environment'];
const MODEL_KEYS = [
  'langfuse.observation.model.name',
  'gen_ai.response.model',
  'ai.response.model',
  'gen_ai.request.model',
  'ai.model.id',
  'llm.model_name',
  'llm.response.model',
  'llm.request.model',
];
const PROVIDER_KEYS = ['gen_ai.provider.name', 'gen_ai.system', 'ai.model.provider', 'llm.provider', 'llm.system'];
const MAX_METADATA_KEYS = 50;

/** What a trace's spans say about the whole trace (any span may carry it). */
interface TraceInfo {
  name?: string;
  userId?: string;
  sessionId?: string;
  environment?: string;
  tags?: string[];
  metadata: Record<string, string>;
}

interface Classified {
  span: OtlpSpan;
  role: SpanRole;
  usage: NormalisedUsage | null;
  provider: string;
}

export function mapSpans(spans: readonly OtlpSpan[], memory?: CallMemory): NativeEvent[] {
  const classified: Classified[] = spans.map((span) => {
    const provider = normaliseProvider(str(span.attributes, ...PROVIDER_KEYS));
    const usage = usageFromAttributes(span.attributes, provider);
    return { span, role: classify(span.attributes, usage !== null), usage, provider };
  });

  // A model call covers its ancestors: they repeat its usage (wrappers, agents) and are not calls.
  const byId = new Map(spans.map((span) => [`${span.traceId}:${span.spanId}`, span]));
  const covered = new Set<string>();
  for (const { span } of classified) memory?.rememberParent(span.traceId, span.spanId, span.parentSpanId);
  for (const { span, role } of classified) {
    if (!role.call) continue;
    memory?.markAncestors(span.traceId, span.spanId);
    let parent = span.parentSpanId;
    for (let depth = 0; parent && depth < 256; depth++) {
      const key = `${span.traceId}:${parent}`;
      covered.add(key);
      parent = byId.get(key)?.parentSpanId ?? '';
    }
  }
  const isCall = ({ span, role }: Classified) =>
    role.call && !covered.has(`${span.traceId}:${span.spanId}`) && !memory?.isCovered(span.traceId, span.spanId);

  const traces = gatherTraceInfo(spans);
  const events: NativeEvent[] = [];
  for (const item of classified) {
    const info = traces.get(item.span.traceId) ?? { metadata: {} };
    events.push(isCall(item) ? toGeneration(item, info) : toSpan(item, info));
    if (!item.span.parentSpanId || item.span.attributes['langfuse.internal.as_root'] === true) events.push(toTrace(item.span, info));
  }
  return events;
}

function gatherTraceInfo(spans: readonly OtlpSpan[]): Map<string, TraceInfo> {
  const traces = new Map<string, TraceInfo>();
  // Roots first: what the root says about its trace wins over what a child repeats.
  const ordered = [...spans].sort((a, b) => Number(!!a.parentSpanId) - Number(!!b.parentSpanId));
  for (const span of ordered) {
    const a = span.attributes;
    let info = traces.get(span.traceId);
    if (!info) traces.set(span.traceId, (info = { metadata: {} }));
    info.name ??= str(a, 'langfuse.trace.name');
    info.userId ??= str(a, ...USER_KEYS);
    info.sessionId ??= str(a, ...SESSION_KEYS);
    info.environment ??= str(a, ...ENVIRONMENT_KEYS) ?? str(span.resource, ...ENVIRONMENT_KEYS);
    info.tags ??= strings(a, 'langfuse.trace.tags');
    info.metadata = { ...withPrefix(a, 'langfuse.trace.metadata.'), ...info.metadata };
  }
  return traces;
}

function times(span: OtlpSpan) {
  const start = Math.floor(span.startMs > 0 ? span.startMs : Date.now());
  const end = span.endMs >= span.startMs && span.endMs > 0 ? Math.floor(span.endMs) : undefined;
  return { timestamp: start, start_time: start, ...(end === undefined ? {} : { end_time: end }) };
}

function outcome(span: OtlpSpan) {
  const level = str(span.attributes, 'langfuse.observation.level');
  const error = span.statusCode === 'error' || level === 'ERROR';
  if (!error) return { status: 'ok' };
  const message = span.statusMessage || str(span.attributes, 'langfuse.observation.status_message', 'error.message', 'exception.message', 'error.type') || '';
  return { status: 'error', ...(message ? { error_message: message } : {}) };
}

function metadataOf(span: OtlpSpan, info: TraceInfo): Record<string, string> {
  const a = span.attributes;
  const merged: Record<string, string> = {
    ...info.metadata,
    ...withPrefix(a, 'ai.telemetry.metadata.'),
    ...withPrefix(a, 'langfuse.observation.metadata.'),
  };
  const service = str(span.resource, 'service.name');
  if (service && !service.startsWith('unknown_service')) merged['service.name'] = service;
  return Object.fromEntries(Object.entries(merged).slice(0, MAX_METADATA_KEYS));
}

const defined = (event: NativeEvent): NativeEvent => Object.fromEntries(Object.entries(event).filter(([, v]) => v !== undefined));

function toGeneration({ span, usage, provider }: Classified, info: TraceInfo): NativeEvent {
  const a = span.attributes;
  const t = times(span);
  const completionStart = str(a, 'langfuse.observation.completion_start_time');
  const completionStartMs = completionStart ? Date.parse(completionStart.replace(/^"|"$/g, '')) : NaN;
  const ttft = Number.isFinite(completionStartMs) ? completionStartMs - t.start_time : num(a, 'ai.response.msToFirstChunk', 'ai.stream.msToFirstChunk');
  const costTotal = costTotalFromLangfuse(asDetails(a['langfuse.observation.cost_details']), a['gen_ai.usage.cost']);
  return defined({
    id: span.spanId,
    type: 'generation',
    ...t,
    trace_id: span.traceId || undefined,
    parent_id: span.parentSpanId || undefined,
    name: str(a, 'ai.telemetry.functionId') ?? span.name,
    user_id: str(a, ...USER_KEYS) ?? info.userId,
    session_id: str(a, ...SESSION_KEYS) ?? info.sessionId,
    environment: str(a, ...ENVIRONMENT_KEYS) ?? info.environment,
    tags: info.tags,
    metadata: metadataOf(span, info),
    provider: provider || undefined,
    model: str(a, ...MODEL_KEYS),
    ttft_ms: ttft !== undefined && ttft >= 0 ? Math.round(ttft) : undefined,
    ...outcome(span),
    usage: usage ?? undefined,
    cost: costTotal === undefined ? undefined : { total: costTotal },
    input: content(a, 'langfuse.observation.input', 'gen_ai.input.messages', 'gen_ai.prompt', 'ai.prompt.messages', 'ai.prompt', 'input.value'),
    output: content(a, 'langfuse.observation.output', 'gen_ai.output.messages', 'gen_ai.completion', 'ai.response.text', 'ai.response.object', 'output.value'),
  });
}

function toSpan({ span, role }: Classified, info: TraceInfo): NativeEvent {
  const a = span.attributes;
  const kind = role.call ? 'other' : role.kind;
  return defined({
    id: span.spanId,
    type: 'span',
    ...times(span),
    trace_id: span.traceId || undefined,
    parent_id: span.parentSpanId || undefined,
    name: str(a, 'ai.telemetry.functionId') ?? span.name,
    kind,
    environment: str(a, ...ENVIRONMENT_KEYS) ?? info.environment,
    ...outcome(span),
    tool_name: kind === 'tool' ? (str(a, 'gen_ai.tool.name', 'ai.toolCall.name', 'tool.name') ?? span.name) : undefined,
    input: content(a, 'langfuse.observation.input', 'gen_ai.tool.call.arguments', 'ai.toolCall.args', 'input.value'),
    output: content(a, 'langfuse.observation.output', 'gen_ai.tool.call.result', 'ai.toolCall.result', 'output.value'),
    metadata: metadataOf(span, info),
  });
}

function toTrace(span: OtlpSpan, info: TraceInfo): NativeEvent {
  return defined({
    id: span.traceId,
    type: 'trace',
    timestamp: times(span).timestamp,
    name: info.name ?? str(span.attributes, 'ai.telemetry.functionId') ?? span.name,
    user_id: info.userId,
    session_id: info.sessionId,
    environment: info.environment,
    tags: info.tags,
    metadata: Object.keys(info.metadata).length > 0 ? Object.fromEntries(Object.entries(info.metadata).slice(0, MAX_METADATA_KEYS)) : undefined,
  });
}

export type { Attributes };
