// The non-Next part of the HTTP surface: health and the public API. It runs ahead of Next's
// handler so ingestion (the hot path) pays for no framework, and answers the same in tests.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkHealth, type Stores } from '@margin/runtime';
import { apiError, sendError, sendJson } from '@margin/ingest';

export type ApiHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export interface ApiDeps {
  stores: Stores;
  /** Extra handlers tried in order (ingestion, metrics, analyses); each returns true when it answered. */
  routes?: ApiHandler[];
}

export function createApiHandler(deps: ApiDeps): ApiHandler {
  return async (req, res) => {
    const url = req.url ?? '/';
    if (url === '/api/health' || url.startsWith('/api/health?')) {
      const report = await checkHealth(deps.stores);
      sendJson(res, report.status === 'ok' ? 200 : 503, report);
      return true;
    }
    if (!url.startsWith('/api/public/')) return false;
    for (const route of deps.routes ?? []) {
      if (await route(req, res)) return true;
    }
    sendError(res, apiError(404, 'not_found', `no route for ${req.method} ${url.split('?')[0]}`));
    return true;
  };
}
