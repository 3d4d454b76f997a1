// The ingestion routes on plain node:http: `(req, res) => true` when it answered the request, so a
// host (apps/ingest, apps/web's server) can try it first and fall through to its own routes.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventWriter } from '@margin/clickhouse';
import type { Db } from '@margin/db';
import type { AuthContext, KeyAuthenticator, RequiredScope } from './auth/index.ts';
import { apiError, isApiError, sendError, type ApiError } from './http/respond.ts';
import { createObservationMemory, type ObservationMemory } from './langfuse/observation-memory.ts';
import { handleLangfuseIngestion } from './langfuse/handle-ingestion.ts';
import { handleCreateModel, handleListModels } from './models/handle-models.ts';
import { handleNativeEvents } from './native/handle-events.ts';
import { createCallMemory, type CallMemory } from './otlp/call-memory.ts';
import { handleOtlpTraces } from './otlp/handle-traces.ts';
import type { PricerCache } from './pricing/pricer-cache.ts';

export interface IngestRouterOptions {
  db: Db;
  writer: EventWriter;
  auth: KeyAuthenticator;
  pricerCache: PricerCache;
  callMemory?: CallMemory;
  observationMemory?: ObservationMemory;
  /** Called with unexpected errors (they are answered 500 without details). */
  onError?: (error: unknown, req: IncomingMessage) => void;
}

export type IngestRouter = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<ApiError | void>;

export function createIngestRouter(options: IngestRouterOptions): IngestRouter {
  const { db, writer, auth, pricerCache } = options;
  const deps = {
    db,
    writer,
    pricerCache,
    callMemory: options.callMemory ?? createCallMemory(),
    observationMemory: options.observationMemory ?? createObservationMemory(),
  };

  /** Authenticates with the route's scope, then runs the handler with the caller's context. */
  const authed =
    (scope: RequiredScope, run: (req: IncomingMessage, res: ServerResponse, ctx: AuthContext) => Promise<ApiError | void>): Handler =>
    async (req, res) => {
      const ctx = await auth.authenticateRequest(req, { scope });
      if (isApiError(ctx)) return ctx;
      return run(req, res, ctx);
    };

  const routes: Record<string, Partial<Record<string, Handler>>> = {
    '/api/public/events': { POST: authed('ingest', (req, res, ctx) => handleNativeEvents(req, res, ctx, deps)) },
    '/api/public/otel/v1/traces': { POST: authed('ingest', (req, res, ctx) => handleOtlpTraces(req, res, ctx, deps)) },
    '/api/public/ingestion': { POST: authed('ingest', (req, res, ctx) => handleLangfuseIngestion(req, res, ctx, deps)) },
    '/api/public/models': {
      GET: authed('read', (_req, res, ctx) => handleListModels(res, ctx, db)),
      POST: authed('write', (req, res, ctx) => handleCreateModel(req, res, ctx, deps)),
    },
  };

  return async (req, res) => {
    const path = (req.url ?? '/').split('?')[0]!.replace(/\/+$/, '') || '/';
    const route = routes[path];
    if (!route) return false;
    const handler = route[req.method ?? 'GET'];
    try {
      const error = handler
        ? await handler(req, res)
        : apiError(405, 'method_not_allowed', `${req.method} is not allowed here; use ${Object.keys(route).join(' or ')}`);
      if (error && !res.headersSent) sendError(res, error);
    } catch (error) {
      options.onError?.(error, req);
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'internal_error', message: 'unexpected error; it has been logged' } }));
      }
    }
    return true;
  };
}
