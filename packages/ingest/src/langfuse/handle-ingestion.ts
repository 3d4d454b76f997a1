// `POST /api/public/ingestion`: Langfuse's batch API, answered in Langfuse's own 207 shape so the
// Langfuse SDKs work against Margin by changing their base URL.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthContext } from '../auth/index.ts';
import { ingestEvents, type IngestDeps } from '../ingest-events.ts';
import { parseJson, readBody } from '../http/read-body.ts';
import { apiError, isApiError, sendJson, type ApiError } from '../http/respond.ts';
import { mapLangfuseBatch, type BatchItem } from './map-batch.ts';
import type { ObservationMemory } from './observation-memory.ts';

export const MAX_LANGFUSE_ITEMS = 1_000;

export async function handleLangfuseIngestion(
  req: IncomingMessage,
  res: ServerResponse,
  auth: AuthContext,
  deps: IngestDeps & { observationMemory: ObservationMemory },
): Promise<ApiError | void> {
  const body = await readBody(req);
  if (isApiError(body)) return body;
  const parsed = parseJson(body);
  if (isApiError(parsed)) return parsed;
  const batch = (parsed.json as { batch?: unknown } | null)?.batch;
  if (typeof parsed.json !== 'object' || parsed.json === null || !Array.isArray(batch)) {
    return apiError(400, 'bad_request', 'expected a JSON object {"batch": [{id, type, timestamp, body}, ...]}');
  }
  if (batch.length > MAX_LANGFUSE_ITEMS) {
    return apiError(413, 'payload_too_large', `at most ${MAX_LANGFUSE_ITEMS} items per batch, got ${batch.length}`);
  }

  const items: BatchItem[] = [];
  const errors: { id: string; status: number; message: string }[] = [];
  batch.forEach((raw, index) => {
    const item = raw as Partial<BatchItem> | null;
    const id = typeof item?.id === 'string' && item.id ? item.id : `batch[${index}]`;
    if (!item || typeof item !== 'object' || typeof item.type !== 'string' || typeof item.body !== 'object' || item.body === null) {
      errors.push({ id, status: 400, message: 'expected {id, type, timestamp, body}' });
    } else items.push({ id, type: item.type, timestamp: item.timestamp, body: item.body });
  });

  const mapped = mapLangfuseBatch(items, auth.projectId, deps.observationMemory, auth.project.storeContent);
  const successes: { id: string; status: 201 }[] = [];
  for (const answer of mapped.direct) {
    if (answer.status === 201) successes.push({ id: answer.id, status: 201 });
    else errors.push({ id: answer.id, status: 400, message: answer.message ?? 'invalid event' });
  }
  // Native ids are the observation ids; answer under the batch items they came from.
  const outcome = await ingestEvents(mapped.events.map((m) => m.event), auth, deps);
  if (isApiError(outcome)) return outcome;
  mapped.events.forEach((m, index) => {
    const message = outcome.messages[index];
    for (const itemId of m.itemIds) {
      if (message === null || message === undefined) successes.push({ id: itemId, status: 201 });
      else errors.push({ id: itemId, status: 400, message });
    }
  });
  sendJson(res, 207, { successes, errors });
}
