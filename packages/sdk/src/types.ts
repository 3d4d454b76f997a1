// The native events of `POST /api/public/events` as the SDK accepts them: the contract's own
// snake_case field names, so an event reads the same in code, on the wire and in the docs.

/** A moment: a Date, an RFC 3339 string or epoch milliseconds (sent as given, Dates as ISO). */
export type Timestamp = Date | string | number;

export interface Usage {
  /** ALL prompt tokens, cached ones included (OpenAI's convention). */
  input_tokens: number;
  /** All completion tokens, reasoning included. */
  output_tokens: number;
  /** Part of input_tokens read from the provider's prompt cache. */
  cache_read_tokens?: number;
  /** Part of input_tokens written to the provider's prompt cache. */
  cache_write_tokens?: number;
  /** Part of output_tokens spent on reasoning. */
  reasoning_tokens?: number;
}

/** Optional parts of input_tokens; their sum may not exceed it. */
export interface PromptAnatomy {
  system_tokens?: number;
  tool_definition_tokens?: number;
  retrieval_tokens?: number;
  history_tokens?: number;
  tool_result_tokens?: number;
  user_input_tokens?: number;
}

export type Status = 'ok' | 'error';

interface EventBase {
  /** At most 128 characters, unique per project and type; generated (UUID) when absent. */
  id?: string;
  /** Defaults to the moment the event is recorded. */
  timestamp?: Timestamp;
}

export interface Attribution {
  user_id?: string;
  session_id?: string;
  /** Defaults to `production` on the server. */
  environment?: string;
  tags?: string[];
  /** String to string, at most 50 keys. */
  metadata?: Record<string, string>;
}

export interface Timing {
  start_time?: Timestamp;
  end_time?: Timestamp;
  duration_ms?: number;
}

/** One LLM call. */
export interface GenerationEvent extends EventBase, Attribution, Timing {
  /** No trace_id: the call is a trace of its own. */
  trace_id?: string;
  parent_id?: string;
  /** The feature or pipeline step, e.g. `screening.rubric`. */
  name?: string;
  /** As sent to the provider, e.g. `openai`. */
  provider?: string;
  /** As sent to the provider, e.g. `gpt-4o-mini-2024-07-18`. */
  model?: string;
  ttft_ms?: number;
  status?: Status;
  error_message?: string;
  /** 1 = first try. */
  attempt?: number;
  usage?: Usage;
  prompt_anatomy?: PromptAnatomy;
  /** USD, taken as given (`price_source: "client"`); omit it to have the server price the call. */
  cost?: { total: number | string };
  /** Sent through a provider's batch API. */
  batch?: boolean;
  /** Kept only where the project turned content storage on, cut at 32 KB. */
  input?: string;
  output?: string;
}

export type SpanKind = 'tool' | 'retrieval' | 'agent' | 'other';

/** A step that is not an LLM call. */
export interface SpanEvent extends EventBase, Timing {
  trace_id?: string;
  parent_id?: string;
  name?: string;
  kind?: SpanKind;
  environment?: string;
  status?: Status;
  error_message?: string;
  tool_name?: string;
  /** Only its hash is kept unless content storage is on. */
  input?: string;
  output?: string;
  metadata?: Record<string, string>;
}

export interface TraceEvent extends EventBase, Attribution {
  name?: string;
}

export interface ScoreEvent extends EventBase {
  trace_id: string;
  observation_id?: string;
  name: string;
  value: number;
  comment?: string;
}

export type EventType = 'generation' | 'span' | 'trace' | 'score';

/** What goes on the wire: an id, a type and a timestamp are always present. */
export type WireEvent = Record<string, unknown> & { id: string; type: EventType; timestamp: string | number };
