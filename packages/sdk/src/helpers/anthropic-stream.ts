// Accumulates a streamed Anthropic message (event by event) into one generation event. Usage
// starts in message_start; message_delta carries cumulative counts that replace it.
import type { GenerationEvent } from '../types.ts';
import { usageFromAnthropic, type AnthropicUsage } from './anthropic.ts';
import { buildGeneration, type GenerationExtra } from './generation.ts';
import { StreamClock, type StreamOptions } from './stream-clock.ts';

/** A server-sent event of the Messages streaming API, parsed. */
export interface AnthropicStreamEventLike {
  type: string;
  message?: { model?: string; usage?: AnthropicUsage | null };
  delta?: { type?: string; text?: string; partial_json?: string; thinking?: string; stop_reason?: string | null };
  usage?: AnthropicUsage | null;
  error?: { type?: string; message?: string };
}

export interface AnthropicStreamAccumulator {
  add(event: AnthropicStreamEventLike): void;
  fail(error: unknown): void;
  /** The text blocks so far, to pass as `output` where content storage is wanted. */
  readonly text: string;
  readonly hasUsage: boolean;
  toGeneration(extra?: GenerationExtra): GenerationEvent;
}

const USAGE_KEYS = ['input_tokens', 'output_tokens', 'cache_read_input_tokens', 'cache_creation_input_tokens'] as const;

export function accumulateAnthropicStream(options?: StreamOptions): AnthropicStreamAccumulator {
  const clock = new StreamClock(options);
  let model: string | undefined;
  let usage: AnthropicUsage | undefined;
  let text = '';
  let errorMessage: string | undefined;

  // message_delta counts are cumulative: a later value replaces, never adds to, an earlier one.
  const mergeUsage = (next: AnthropicUsage) => {
    usage = { ...usage };
    for (const key of USAGE_KEYS) {
      const value = next[key];
      if (typeof value === 'number') usage[key] = value;
    }
  };

  return {
    add(event) {
      let hasContent = false;
      switch (event.type) {
        case 'message_start':
          if (event.message?.model) model = event.message.model;
          if (event.message?.usage) mergeUsage(event.message.usage);
          break;
        case 'content_block_delta': {
          const delta = event.delta ?? {};
          hasContent = Boolean(delta.text || delta.partial_json || delta.thinking);
          if (delta.type === 'text_delta' && delta.text) text += delta.text;
          break;
        }
        case 'message_delta':
          if (event.usage) mergeUsage(event.usage);
          break;
        case 'error':
          errorMessage = event.error?.message ?? event.error?.type ?? 'stream error';
          break;
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
          provider: 'anthropic',
          model,
          ...clock.timing(),
          status: errorMessage === undefined ? 'ok' : 'error',
          error_message: errorMessage,
          usage: usage ? usageFromAnthropic(usage) : undefined,
        },
        extra,
      );
    },
  };
}
