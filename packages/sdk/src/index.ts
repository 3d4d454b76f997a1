// @margin/sdk: record LLM calls, spans, traces and scores, and send them to Margin in batches.
export { Margin, type MarginStats } from './client.ts';
export type { MarginOptions } from './options.ts';
export { MarginError, type MarginErrorKind, type ErrorHandler } from './errors.ts';
export type * from './types.ts';
export { MAX_EVENTS_PER_REQUEST, MAX_BODY_BYTES } from './batch.ts';
export type { GenerationExtra } from './helpers/generation.ts';
export {
  fromOpenAIChatCompletion,
  fromOpenAIResponses,
  usageFromOpenAIChat,
  usageFromOpenAIResponses,
  type OpenAIChatCompletionLike,
  type OpenAIResponseLike,
} from './helpers/openai.ts';
export { fromAnthropicMessage, usageFromAnthropic, type AnthropicMessageLike } from './helpers/anthropic.ts';
export { accumulateOpenAIStream, type OpenAIStreamAccumulator, type OpenAIChatChunkLike } from './helpers/openai-stream.ts';
export {
  accumulateOpenAIResponsesStream,
  type OpenAIResponsesStreamAccumulator,
  type OpenAIResponsesStreamEventLike,
} from './helpers/openai-responses-stream.ts';
export { accumulateAnthropicStream, type AnthropicStreamAccumulator, type AnthropicStreamEventLike } from './helpers/anthropic-stream.ts';
export type { StreamOptions } from './helpers/stream-clock.ts';
