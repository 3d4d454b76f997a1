// The ingestion HTTP handlers (native, OTLP, Langfuse, prices) and the API-key auth every public
// route shares; mounted by apps/ingest and apps/web.
export * from './auth/index.ts';
export * from './router.ts';
export * from './create-ingestion.ts';
export * from './ingest-events.ts';
export * from './http/respond.ts';
export { readBody, parseJson, MAX_BODY_BYTES } from './http/read-body.ts';
export * from './pricing/pricer-cache.ts';
export { createCallMemory, type CallMemory } from './otlp/call-memory.ts';
export { mapSpans } from './otlp/map-spans.ts';
export { decodeJson, decodeProtobuf, type OtlpSpan } from './otlp/decode.ts';
export { createObservationMemory, type ObservationMemory } from './langfuse/observation-memory.ts';
export { mapLangfuseBatch } from './langfuse/map-batch.ts';
export { usageFromLangfuse } from './langfuse/usage.ts';
