// Decides what a span is: a model call (a generation candidate) or a step of another kind. Explicit
// markers win (Langfuse's observation type, the Vercel AI SDK's operation id, OpenInference's span
// kind, GenAI's operation name); otherwise a span that names a model or reports tokens is a call.
import type { Attributes } from './decode.ts';
import { str } from './read-attributes.ts';

export type SpanKind = 'tool' | 'retrieval' | 'agent' | 'other';
export type SpanRole = { call: true } | { call: false; kind: SpanKind };

const MODEL_OPERATIONS = new Set(['chat', 'text_completion', 'generate_content', 'embeddings', 'completion', 'responses']);
const AGENT_OPERATIONS = new Set(['invoke_agent', 'create_agent', 'invoke_workflow']);
/** The Vercel AI SDK's inner spans: one per request to the provider. */
const VERCEL_PROVIDER_CALL = /^ai\.\w+\.do(Generate|Stream|Embed)$/;

const LANGFUSE_KINDS: Record<string, SpanRole> = {
  generation: { call: true },
  embedding: { call: true },
  tool: { call: false, kind: 'tool' },
  retriever: { call: false, kind: 'retrieval' },
  agent: { call: false, kind: 'agent' },
  chain: { call: false, kind: 'agent' },
};

const OPENINFERENCE_KINDS: Record<string, SpanRole> = {
  LLM: { call: true },
  EMBEDDING: { call: true },
  TOOL: { call: false, kind: 'tool' },
  RETRIEVER: { call: false, kind: 'retrieval' },
  AGENT: { call: false, kind: 'agent' },
  CHAIN: { call: false, kind: 'agent' },
};

export function classify(attrs: Attributes, hasUsage: boolean): SpanRole {
  const langfuseType = str(attrs, 'langfuse.observation.type')?.toLowerCase();
  if (langfuseType) return LANGFUSE_KINDS[langfuseType] ?? { call: false, kind: 'other' };

  const vercelOperation = str(attrs, 'ai.operationId');
  if (vercelOperation) {
    if (VERCEL_PROVIDER_CALL.test(vercelOperation)) return { call: true };
    // ai.generateText and friends wrap the provider calls and repeat their summed usage.
    return { call: false, kind: vercelOperation === 'ai.toolCall' ? 'tool' : 'other' };
  }

  const openInference = str(attrs, 'openinference.span.kind')?.toUpperCase();
  if (openInference) return OPENINFERENCE_KINDS[openInference] ?? { call: false, kind: 'other' };

  const operation = str(attrs, 'gen_ai.operation.name')?.toLowerCase();
  if (operation === 'execute_tool') return { call: false, kind: 'tool' };
  // An agent span reports the usage of the calls inside it: counting it would count them twice.
  if (operation && AGENT_OPERATIONS.has(operation)) return { call: false, kind: 'agent' };
  if (operation && MODEL_OPERATIONS.has(operation)) return { call: true };

  if (hasUsage || str(attrs, 'gen_ai.request.model', 'gen_ai.response.model', 'llm.request.type', 'llm.model_name') !== undefined) {
    return { call: true };
  }
  if (str(attrs, 'gen_ai.tool.name') !== undefined) return { call: false, kind: 'tool' };
  return { call: false, kind: 'other' };
}
