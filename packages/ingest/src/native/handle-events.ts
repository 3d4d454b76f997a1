// `POST /api/public/events`: the native batch `{"events": [...]}`, answered 207 per event.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MAX_EVENTS_PER_BATCH } from '@margin/core';
import type { AuthContext } from '../auth/index.ts';
import { ingestEvents, type IngestDeps } from '../ingest-events.ts';
import { parseJson, readBody } from '../http/read-body.ts';
import { apiError, isApiError, sendJson, type ApiError } from '../http/respond.ts';

export async function handleNativeEvents(req: IncomingMessage, res: ServerResponse, auth: AuthContext, deps: IngestDeps): Promise<ApiError | void> {
  const body = await readBody(req);
  if (isApiError(body)) return body;
  const parsed = parseJson(body);
  if (isApiError(parsed)) return parsed;
  const json = parsed.json;
  const events = typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as { events?: unknown }).events : undefined;
  if (!Array.isArray(events)) return apiError(400, 'bad_request', 'expected a JSON object {"events": [...]}');
  if (events.length > MAX_EVENTS_PER_BATCH) {
    return apiError(413, 'payload_too_large', `at most ${MAX_EVENTS_PER_BATCH} events per request, got ${events.length}`);
  }
  const outcome = await ingestEvents(events, auth, deps);
  if (isApiError(outcome)) return outcome;
  sendJson(res, 207, { successes: outcome.successes, errors: outcome.errors });
}
