// The Langfuse SDKs pointed at Margin, unchanged: v3 (`langfuse`, batch API at /api/public/ingestion)
// and the current one (`@langfuse/tracing` + `@langfuse/otel`, OTLP with langfuse.* attributes).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { Langfuse } from 'langfuse';
import { LangfuseSpanProcessor } from '@langfuse/otel';
import { propagateAttributes, setLangfuseTracerProvider, startObservation } from '@langfuse/tracing';
import { bearer, callsOf, createProject, postJson, rowsOf, startHarness, type Harness, type TestProject } from './fixtures/harness.ts';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

const v3Client = (project: TestProject) =>
  new Langfuse({ publicKey: project.publicKey, secretKey: project.secretKey, baseUrl: h.url, flushAt: 1000, flushInterval: 0, fetchRetryCount: 0 });

describe('Langfuse JS SDK v3 (batch ingestion)', () => {
  it('stores traces, generations, spans, events and scores, merging an update sent in a later request', async () => {
    const project = await createProject(h.db);
    const langfuse = v3Client(project);
    const errors: unknown[] = [];
    langfuse.on('error', (error: unknown) => errors.push(error));

    const trace = langfuse.trace({ name: 'support-chat', userId: 'lf-user', sessionId: 'lf-session', tags: ['beta'], metadata: { tier: 'pro' } });
    const generation = trace.generation({ name: 'answer', model: 'gpt-4o-mini', input: [{ role: 'user', content: 'hi' }] });
    await langfuse.flushAsync(); // the create goes alone; the update below comes in the next request
    generation.end({ output: 'hello', usageDetails: { input: 600, input_cached_tokens: 400, output: 200 } });
    const span = trace.span({ name: 'retrieve' });
    span.end();
    trace.event({ name: 'clicked' });
    trace.score({ name: 'helpfulness', value: 0.8 });
    const legacy = trace.generation({ name: 'legacy-usage', model: 'gpt-4o-mini' });
    legacy.end({ usage: { input: 100, output: 10, total: 110, unit: 'TOKENS' } });
    await langfuse.flushAsync();
    await langfuse.shutdownAsync();
    expect(errors).toEqual([]);

    const calls = Object.fromEntries((await callsOf(h, project.projectId)).map((c) => [c.name, c]));
    expect(Object.keys(calls).sort()).toEqual(['answer', 'legacy-usage']);
    expect(calls.answer).toMatchObject({
      id: generation.id,
      trace_id: trace.id,
      model: 'gpt-4o-mini',
      input_tokens: 1000,
      cache_read_tokens: 400,
      output_tokens: 200,
      user_id: 'lf-user',
      session_id: 'lf-session',
      tags: ['beta'],
      price_source: 'catalog',
    });
    expect(calls.answer!.cost_total).toBe('0.00024');
    expect(calls['legacy-usage']).toMatchObject({ input_tokens: 100, output_tokens: 10, cache_read_tokens: 0 });

    const traces = await rowsOf(h, 'traces', project.projectId);
    expect(traces).toMatchObject([{ id: trace.id, name: 'support-chat', user_id: 'lf-user', metadata: { tier: 'pro' } }]);
    expect((await rowsOf(h, 'spans', project.projectId)).map((s) => s.name).sort()).toEqual(['clicked', 'retrieve']);
    expect(await rowsOf(h, 'scores', project.projectId)).toMatchObject([{ trace_id: trace.id, name: 'helpfulness', value: 0.8 }]);
  });

  it("answers in Langfuse's 207 shape, per batch item", async () => {
    const project = await createProject(h.db);
    const now = new Date().toISOString();
    const response = await postJson(
      `${h.url}/api/public/ingestion`,
      {
        batch: [
          { id: 'item-1', type: 'generation-create', timestamp: now, body: { id: 'gen-1', traceId: 't-1', model: 'gpt-4o-mini', startTime: now } },
          { id: 'item-2', type: 'generation-update', timestamp: now, body: { id: 'gen-1', traceId: 't-1', usageDetails: { input: 5, output: 1 }, costDetails: { total: 0.25 } } },
          { id: 'item-3', type: 'generation-create', timestamp: now, body: { traceId: 't-1' } },
          { id: 'item-4', type: 'dataset-create', timestamp: now, body: { id: 'd' } },
          { id: 'item-5', type: 'sdk-log', timestamp: now, body: { log: 'hello' } },
          { id: 'item-6', type: 'score-create', timestamp: now, body: { id: 's-1', traceId: 't-1', name: 'ok', value: 'yes' } },
        ],
      },
      bearer(project),
    );
    expect(response.status).toBe(207);
    expect(response.json.successes).toEqual(
      expect.arrayContaining([
        { id: 'item-1', status: 201 },
        { id: 'item-2', status: 201 },
        { id: 'item-5', status: 201 },
      ]),
    );
    const errors = Object.fromEntries(response.json.errors.map((e: { id: string; message: string }) => [e.id, e.message]));
    expect(Object.keys(errors).sort()).toEqual(['item-3', 'item-4', 'item-6']);
    expect(errors['item-3']).toContain('body.id');
    expect(errors['item-6']).toContain('value');
    // A client cost is taken as given.
    expect(await callsOf(h, project.projectId)).toMatchObject([{ id: 'gen-1', input_tokens: 5, output_tokens: 1, cost_total: '0.25', price_source: 'client' }]);
  });
});

describe('Langfuse SDK (@langfuse/tracing + @langfuse/otel over OTLP)', () => {
  it('stores its generations with usage details, user, session and trace name from langfuse.* attributes', async () => {
    const project = await createProject(h.db);
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const processor = new LangfuseSpanProcessor({ publicKey: project.publicKey, secretKey: project.secretKey, baseUrl: h.url, exportMode: 'batched', flushAt: 100 });
    const provider = new BasicTracerProvider({ spanProcessors: [processor] });
    setLangfuseTracerProvider(provider);

    const ids = await propagateAttributes({ userId: 'otel-user', sessionId: 'otel-session', traceName: 'rag-answer', tags: ['rag'] }, async () => {
      const root = startObservation('rag-pipeline', { input: { question: 'why?' } });
      const retriever = root.startObservation('fetch-docs', {}, { asType: 'retriever' });
      retriever.end();
      const generation = root.startObservation(
        'llm-call',
        { model: 'gpt-4o-mini', usageDetails: { input: 600, output: 200, cache_read_input_tokens: 400 } },
        { asType: 'generation' },
      );
      generation.end();
      root.end();
      return { traceId: root.traceId, generationId: generation.id, retrieverId: retriever.id };
    });
    await processor.forceFlush();
    await provider.shutdown();

    const calls = await callsOf(h, project.projectId);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      id: ids.generationId,
      trace_id: ids.traceId,
      name: 'llm-call',
      model: 'gpt-4o-mini',
      input_tokens: 1000,
      cache_read_tokens: 400,
      output_tokens: 200,
      user_id: 'otel-user',
      session_id: 'otel-session',
      tags: ['rag'],
    });
    expect(calls[0]!.cost_total).toBe('0.00024');
    const spans = Object.fromEntries((await rowsOf(h, 'spans', project.projectId)).map((s) => [s.id, s.kind]));
    expect(spans[ids.retrieverId]).toBe('retrieval');
    expect(await rowsOf(h, 'traces', project.projectId)).toMatchObject([{ id: ids.traceId, name: 'rag-answer', user_id: 'otel-user' }]);
  });
});
