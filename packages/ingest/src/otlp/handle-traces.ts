// `POST /api/public/otel/v1/traces`: an OTLP/HTTP export in protobuf or JSON, answered in the same
// encoding; spans that fail validation are reported as OTLP's partial success, not as an error.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthContext } from '../auth/index.ts';
import { ingestEvents, type IngestDeps } from '../ingest-events.ts';
import { readBody } from '../http/read-body.ts';
import { apiError, isApiError, type ApiError } from '../http/respond.ts';
import type { CallMemory } from './call-memory.ts';
import { decodeJson, decodeProtobuf, encodeResponse, type OtlpSpan } from './decode.ts';
import { mapSpans } from './map-spans.ts';

/** OTLP has no per-batch limit of its own; ours is the native one, counted in spans. */
export const MAX_SPANS_PER_REQUEST = 5_000;

export async function handleOtlpTraces(
  req: IncomingMessage,
  res: ServerResponse,
  auth: AuthContext,
  deps: IngestDeps & { callMemory: CallMemory },
): Promise<ApiError | void> {
  const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const kind = type === 'application/json' ? 'json' : type === 'application/x-protobuf' || type === 'application/protobuf' ? 'protobuf' : null;
  if (!kind) return apiError(415, 'unsupported_media_type', 'send OTLP as application/x-protobuf or application/json');
  const body = await readBody(req);
  if (isApiError(body)) return body;

  let spans: OtlpSpan[];
  try {
    spans = kind === 'protobuf' ? decodeProtobuf(body) : decodeJson(JSON.parse(body.toString('utf8')));
  } catch (error) {
    return apiError(400, 'bad_request', `not an OTLP ExportTraceServiceRequest (${kind}): ${(error as Error).message}`);
  }
  if (spans.length > MAX_SPANS_PER_REQUEST) {
    return apiError(413, 'payload_too_large', `at most ${MAX_SPANS_PER_REQUEST} spans per request, got ${spans.length}`);
  }

  const events = mapSpans(spans, deps.callMemory);
  const outcome = await ingestEvents(events, auth, deps);
  if (isApiError(outcome)) return outcome;
  // Trace events are ours, not the sender's spans: count rejected spans only.
  const rejected = events.flatMap((event, i) => (event.type !== 'trace' && outcome.messages[i] ? [`span ${String(event.id)}: ${outcome.messages[i]}`] : []));
  const message = rejected.slice(0, 5).join('; ');
  const payload = encodeResponse(kind, rejected.length, message);
  res.writeHead(200, {
    'content-type': kind === 'json' ? 'application/json' : 'application/x-protobuf',
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}
