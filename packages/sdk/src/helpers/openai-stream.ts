// Accumulates a streamed Chat Completion (chunk by chunk) into one generation event. Usage comes
// from the last chunk, which OpenAI sends only when the request set stream_options.include_usage.
import type { GenerationEvent } from '../types.ts';
import { buildGeneration, type GenerationExtra } from './generation.ts';
import { usageFromOpenAIChat, type OpenAIChatUsage } from './openai.ts';
import { StreamClock, type StreamOptions } from './stream-clock.ts';

/** A `chat.completion.chunk` object. */
export interface OpenAIChatChunkLike {
  id?: string;
  model?: string;
  choices?: Array<{
    index?: number;
    delta?: {
      content?: string | null;
      refusal?: string | null;
      tool_calls?: unknown[] | null;
      function_call?: unknown;
    } | null;
    finish_reason?: string | null;
  }>;
  usage?: OpenAIChatUsage | null;
}

export interface OpenAIStreamAccumulator {
  /** Feed every chunk as it arrives. */
  add(chunk: OpenAIChatChunkLike): void;
  /** Marks the call failed (the stream threw or was cut). */
  fail(error: unknown): void;
  /** The text of choice 0 so far, to pass as `output` where content storage is wanted. */
  readonly text: string;
  /** Whether the usage chunk arrived. */
  readonly hasUsage: boolean;
  toGeneration(extra?: GenerationExtra): GenerationEvent;
}

export function accumulateOpenAIStream(options?: StreamOptions): OpenAIStreamAccumulator {
  const clock = new StreamClock(options);
  let model: string | undefined;
  let usage: OpenAIChatUsage | undefined;
  let text = '';
  let errorMessage: string | undefined;

  return {
    add(chunk) {
      if (chunk.model) model = chunk.model;
      if (chunk.usage) usage = chunk.usage;
      let hasContent = false;
      for (const choice of chunk.choices ?? []) {
        const delta = choice.delta;
        if (!delta) continue;
        // The first chunk usually carries only `role` and an empty content: not yet an answer.
        if (delta.content) {
          hasContent = true;
          if ((choice.index ?? 0) === 0) text += delta.content;
        }
        if (delta.refusal || (delta.tool_calls && delta.tool_calls.length > 0) || delta.function_call) hasContent = true;
      }
      clock.tick(hasContent);
    },
    fail(error) {
      errorMessage = error instanceof Error ? error.message : String(error);
    },
    get text() {
      return text;
    },
    get hasUsage() {
      return usage !== undefined;
    },
    toGeneration(extra) {
      return buildGeneration(
        {
          provider: 'openai',
          model,
          ...clock.timing(),
          status: errorMessage === undefined ? 'ok' : 'error',
          error_message: errorMessage,
          usage: usage ? usageFromOpenAIChat(usage) : undefined,
        },
        extra,
      );
    },
  };
}
