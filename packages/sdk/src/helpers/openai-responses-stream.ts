// Accumulates a streamed Responses API call (event by event) into one generation event. The final
// `response.completed` (or `.failed` / `.incomplete`) event carries the whole response with usage.
import type { GenerationEvent } from '../types.ts';
import { buildGeneration, type GenerationExtra } from './generation.ts';
import { fromOpenAIResponses, type OpenAIResponseLike } from './openai.ts';
import { StreamClock, type StreamOptions } from './stream-clock.ts';

/** A server-sent event of the Responses API, parsed (`response.output_text.delta`, …). */
export interface OpenAIResponsesStreamEventLike {
  type: string;
  delta?: unknown;
  response?: OpenAIResponseLike;
  message?: string;
}

export interface OpenAIResponsesStreamAccumulator {
  add(event: OpenAIResponsesStreamEventLike): void;
  fail(error: unknown): void;
  /** The output text so far, to pass as `output` where content storage is wanted. */
  readonly text: string;
  readonly hasUsage: boolean;
  toGeneration(extra?: GenerationExtra): GenerationEvent;
}

const FINAL_EVENTS = new Set(['response.completed', 'response.failed', 'response.incomplete']);

export function accumulateOpenAIResponsesStream(options?: StreamOptions): OpenAIResponsesStreamAccumulator {
  const clock = new StreamClock(options);
  let response: OpenAIResponseLike | undefined;
  let text = '';
  let errorMessage: string | undefined;

  return {
    add(event) {
      // Any non-empty *.delta is the answer arriving: text, refusal, tool-call arguments, reasoning summary.
      const hasContent = event.type.endsWith('.delta') && typeof event.delta === 'string' && event.delta !== '';
      if (event.type === 'response.output_text.delta' && typeof event.delta === 'string') text += event.delta;
      if (event.response && (event.type === 'response.created' || FINAL_EVENTS.has(event.type))) response = event.response;
      if (event.type === 'error') errorMessage = event.message ?? 'stream error';
      clock.tick(hasContent);
    },
    fail(error) {
      errorMessage = error instanceof Error ? error.message : String(error);
    },
    get text() {
      return text;
    },
    get hasUsage() {
      return Boolean(response?.usage);
    },
    toGeneration(extra) {
      const fromResponse = fromOpenAIResponses(response ?? {});
      return buildGeneration(
        {
          ...fromResponse,
          ...clock.timing(),
          ...(errorMessage === undefined ? {} : { status: 'error', error_message: errorMessage }),
        },
        extra,
      );
    },
  };
}
