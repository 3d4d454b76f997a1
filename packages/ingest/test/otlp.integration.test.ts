// Real OpenTelemetry exporters (protobuf and JSON) sending GenAI spans: one generation per model
// call with the right tokens and cost, whichever attribute names the instrumentation used.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT_CONTEXT, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { callsOf, createProject, rowsOf, startHarness, type Harness, type TestProject } from './fixtures/harness.ts';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

type ExporterOptions = NonNullable<ConstructorParameters<typeof ProtoExporter>[0]>;

interface Sender {
  tracer: Tracer;
  flush(): Promise<void>;
}

/** A tracer whose spans go to Margin through the given exporter kind; `simple` exports each span as it ends. */
function sender(project: TestProject, kind: 'proto' | 'json', processor: 'simple' | 'batch', compression?: 'gzip'): Sender {
  const options = {
    url: `${h.url}/api/public/otel/v1/traces`,
    headers: { authorization: `Bearer ${project.secretKey}` },
    // The exporters' CompressionAlgorithm.GZIP is this string.
    ...(compression ? { compression: compression as ExporterOptions['compression'] } : {}),
  };
  const exporter = kind === 'proto' ? new ProtoExporter(options) : new JsonExporter(options);
  const spanProcessor = processor === 'simple' ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter);
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout-api', 'deployment.environment.name': 'staging' }),
    spanProcessors: [spanProcessor],
  });
  return { tracer: provider.getTracer('test'), flush: () => provider.forceFlush() };
}

function child(tracer: Tracer, parent: Span | undefined, name: string, attributes: Attributes): Span {
  const ctx = parent ? trace.setSpan(ROOT_CONTEXT, parent) : ROOT_CONTEXT;
  return tracer.startSpan(name, { attributes }, ctx);
}

const CURRENT_GENAI: Attributes = {
  'gen_ai.operation.name': 'chat',
  'gen_ai.provider.name': 'openai',
  'gen_ai.request.model': 'gpt-4o-mini',
  'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
  'gen_ai.usage.input_tokens': 1000,
  'gen_ai.usage.output_tokens': 200,
  'gen_ai.usage.cache_read.input_tokens': 400,
  'gen_ai.usage.reasoning.output_tokens': 50,
  'gen_ai.conversation.id': 'conv-7',
  'user.id': 'user-42',
};

/** A root span, one chat call and one tool call under it. */
async function sendAgentTrace(s: Sender): Promise<{ traceId: string; chatId: string; toolId: string }> {
  const root = child(s.tracer, undefined, 'answer-question', {});
  const chat = child(s.tracer, root, 'chat gpt-4o-mini', CURRENT_GENAI);
  chat.end();
  const tool = child(s.tracer, root, 'execute_tool search', { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'search' });
  tool.setStatus({ code: SpanStatusCode.ERROR, message: 'search timed out' });
  tool.end();
  root.end();
  await s.flush();
  return { traceId: root.spanContext().traceId, chatId: chat.spanContext().spanId, toolId: tool.spanContext().spanId };
}

describe.each([
  ['protobuf', 'proto'],
  ['JSON', 'json'],
] as const)('OTLP/HTTP %s', (_label, kind) => {
  it('turns a GenAI chat span into one priced generation and the others into spans of its trace', async () => {
    const project = await createProject(h.db);
    const ids = await sendAgentTrace(sender(project, kind, 'batch'));

    const calls = await callsOf(h, project.projectId);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      id: ids.chatId,
      trace_id: ids.traceId,
      model: 'gpt-4o-mini-2024-07-18',
      provider: 'openai',
      input_tokens: 1000,
      output_tokens: 200,
      cache_read_tokens: 400,
      reasoning_tokens: 50,
      user_id: 'user-42',
      session_id: 'conv-7',
      environment: 'staging',
      price_source: 'catalog',
    });
    // gpt-4o-mini: 600 uncached × $0.15 + 400 cached × $0.075 + 200 out × $0.60, per 1M tokens
    expect(calls[0]!.cost_total).toBe('0.00024');

    const spans = Object.fromEntries((await rowsOf(h, 'spans', project.projectId)).map((s) => [s.id, s]));
    expect(spans[ids.toolId]).toMatchObject({ kind: 'tool', tool_name: 'search', status: 'error', error_message: 'search timed out', trace_id: ids.traceId });
    expect(Object.keys(spans)).toHaveLength(2);
    const traces = await rowsOf(h, 'traces', project.projectId);
    expect(traces).toMatchObject([{ id: ids.traceId, name: 'answer-question', user_id: 'user-42', session_id: 'conv-7' }]);
  });
});

describe('attribute families', () => {
  it('takes a gzip-compressed export', async () => {
    const project = await createProject(h.db);
    const s = sender(project, 'proto', 'batch', 'gzip');
    const span = child(s.tracer, undefined, 'chat', { 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 9, 'gen_ai.usage.output_tokens': 1 });
    span.end();
    await s.flush();
    expect(await callsOf(h, project.projectId)).toMatchObject([{ id: span.spanContext().spanId, input_tokens: 9 }]);
  });

  it('reads the older gen_ai names, with Anthropic-style cache tokens outside the input', async () => {
    const project = await createProject(h.db);
    const s = sender(project, 'proto', 'batch');
    const span = child(s.tracer, undefined, 'anthropic.chat', {
      'gen_ai.system': 'anthropic',
      'gen_ai.request.model': 'claude-3-5-sonnet-20241022',
      'gen_ai.usage.prompt_tokens': 100,
      'gen_ai.usage.completion_tokens': 40,
      'gen_ai.usage.cache_read_input_tokens': 500,
      'gen_ai.usage.cache_creation_input_tokens': 200,
      'session.id': 'sess-1',
    });
    span.end();
    await s.flush();
    const [call] = await callsOf(h, project.projectId);
    expect(call).toMatchObject({ provider: 'anthropic', input_tokens: 800, cache_read_tokens: 500, cache_write_tokens: 200, output_tokens: 40, session_id: 'sess-1' });
    // claude-3.5-sonnet: 100 × $3 + 500 × $0.30 + 200 × $3.75 + 40 × $15, per 1M tokens
    expect(call!.cost_total).toBe('0.0018');
  });

  it('counts a Vercel AI SDK call once: the inner doGenerate span, even when its wrapper arrives in a later request', async () => {
    const project = await createProject(h.db);
    const s = sender(project, 'json', 'simple');
    const telemetry = { 'ai.telemetry.functionId': 'support.reply', 'ai.telemetry.metadata.userId': 'u-9', 'ai.telemetry.metadata.sessionId': 's-9', 'ai.telemetry.metadata.plan': 'pro' };
    const outer = child(s.tracer, undefined, 'ai.generateText', {
      ...telemetry,
      'ai.operationId': 'ai.generateText',
      'ai.model.id': 'gpt-4o-mini',
      'ai.model.provider': 'openai.chat',
      'ai.usage.promptTokens': 300,
      'ai.usage.completionTokens': 30,
    });
    const inner = child(s.tracer, outer, 'ai.generateText.doGenerate', {
      ...telemetry,
      'ai.operationId': 'ai.generateText.doGenerate',
      'ai.model.id': 'gpt-4o-mini',
      'ai.model.provider': 'openai.chat',
      'ai.usage.promptTokens': 300,
      'ai.usage.completionTokens': 30,
      'ai.usage.cachedInputTokens': 100,
      'ai.response.msToFirstChunk': 120.6,
      'gen_ai.system': 'openai.chat',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.usage.input_tokens': 300,
      'gen_ai.usage.output_tokens': 30,
    });
    inner.end();
    await s.flush(); // the inner span goes alone: its wrapper comes in the next request
    outer.end();
    await s.flush();

    const calls = await callsOf(h, project.projectId);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      id: inner.spanContext().spanId,
      name: 'support.reply',
      provider: 'openai',
      model: 'gpt-4o-mini',
      input_tokens: 300,
      cache_read_tokens: 100,
      output_tokens: 30,
      user_id: 'u-9',
      session_id: 's-9',
      ttft_ms: 121,
    });
    expect(calls[0]!.metadata).toMatchObject({ plan: 'pro' });
    const spans = await rowsOf(h, 'spans', project.projectId);
    expect(spans.map((r) => r.id)).toEqual([outer.spanContext().spanId]);
  });

  it.each(['batch', 'simple'] as const)('counts only the innermost of nested spans that repeat the same usage (%s export)', async (processor) => {
    const project = await createProject(h.db);
    // `simple` exports each span as it ends: the call, then its ancestors in later requests.
    const s = sender(project, 'proto', processor);
    const usage = { 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 50, 'gen_ai.usage.output_tokens': 5 };
    const wrapper = child(s.tracer, undefined, 'my-llm-wrapper', usage);
    const agent = child(s.tracer, wrapper, 'invoke_agent planner', { ...usage, 'gen_ai.operation.name': 'invoke_agent' });
    const call = child(s.tracer, agent, 'chat gpt-4o-mini', { ...usage, 'gen_ai.operation.name': 'chat' });
    call.end();
    agent.end();
    wrapper.end();
    await s.flush();
    const calls = await callsOf(h, project.projectId);
    expect(calls.map((c) => c.id)).toEqual([call.spanContext().spanId]);
    const kinds = Object.fromEntries((await rowsOf(h, 'spans', project.projectId)).map((r) => [r.id, r.kind]));
    expect(kinds).toEqual({ [wrapper.spanContext().spanId]: 'other', [agent.spanContext().spanId]: 'agent' });
  });

  it('reads OpenInference llm.token_count.* spans', async () => {
    const project = await createProject(h.db);
    const s = sender(project, 'json', 'batch');
    const span = child(s.tracer, undefined, 'ChatOpenAI', {
      'openinference.span.kind': 'LLM',
      'llm.model_name': 'gpt-4o-mini',
      'llm.provider': 'openai',
      'llm.token_count.prompt': 70,
      'llm.token_count.completion': 7,
      'llm.token_count.prompt_details.cache_read': 20,
    });
    span.end();
    await s.flush();
    expect(await callsOf(h, project.projectId)).toMatchObject([{ input_tokens: 70, output_tokens: 7, cache_read_tokens: 20, model: 'gpt-4o-mini' }]);
  });
});

describe('OTLP errors', () => {
  it('answers 415 to another content type and 400 to bytes that are not OTLP', async () => {
    const project = await createProject(h.db);
    const url = `${h.url}/api/public/otel/v1/traces`;
    const headers = { authorization: `Bearer ${project.secretKey}` };
    expect((await fetch(url, { method: 'POST', headers: { ...headers, 'content-type': 'text/plain' }, body: 'x' })).status).toBe(415);
    const garbage = await fetch(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/x-protobuf' }, body: new Uint8Array([0xff, 0xff, 0xff, 0x01]) });
    expect(garbage.status).toBe(400);
    expect((await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(401);
  });
});
