// The read side of the public API on node:http, behind the same API-key auth as ingestion:
// metrics, generations, traces and analyses. Each route only parses, authorises and answers; the
// work is @margin/analytics' (the same functions the dashboard calls).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ClickHouse } from '@margin/clickhouse';
import { handleAnalysis, handleGenerations, handleMetrics, handleTrace, handleWhatIf, type HandlerResult } from '@margin/analytics';
import {
  apiError,
  isApiError,
  parseJson,
  readBody,
  sendError,
  sendJson,
  type ApiError,
  type KeyAuthenticator,
  type PricerCache,
} from '@margin/ingest';

interface RouteContext {
  ch: ClickHouse;
  projectId: string;
  /** The project's own prices over the catalog: only the what-if re-prices, so only it asks. */
  pricerCache: PricerCache;
}

const asResult = (error: ApiError): HandlerResult => ({ status: error.status, body: { error: { code: error.code, message: error.message } } });

type Route = (match: RegExpExecArray, url: URL, req: IncomingMessage, ctx: RouteContext) => Promise<HandlerResult>;

interface RouteSpec {
  method: 'GET' | 'POST';
  pattern: RegExp;
  run: Route;
}

const ROUTES: RouteSpec[] = [
  { method: 'GET', pattern: /^\/api\/public\/metrics$/, run: (_m, url, _req, ctx) => handleMetrics(url.searchParams, ctx) },
  { method: 'GET', pattern: /^\/api\/public\/generations$/, run: (_m, url, _req, ctx) => handleGenerations(url.searchParams, ctx) },
  { method: 'GET', pattern: /^\/api\/public\/traces\/([^/]+)$/, run: (m, _url, _req, ctx) => handleTrace(decodeURIComponent(m[1]!), ctx) },
  {
    method: 'POST',
    pattern: /^\/api\/public\/analyses\/what-if$/,
    run: async (_m, _url, req, ctx) => {
      const body = await readBody(req, 1024 * 1024);
      if (isApiError(body)) return asResult(body);
      const json = parseJson(body);
      if (isApiError(json)) return asResult(json);
      return handleWhatIf(json.json, { ch: ctx.ch, projectId: ctx.projectId, pricer: await ctx.pricerCache.get(ctx.projectId) });
    },
  },
  { method: 'GET', pattern: /^\/api\/public\/analyses\/([^/]+)$/, run: (m, url, _req, ctx) => handleAnalysis(decodeURIComponent(m[1]!), url.searchParams, ctx) },
];

export function createPublicReadApi(deps: { ch: ClickHouse; auth: KeyAuthenticator; pricerCache: PricerCache }) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://margin.local');
    const candidates = ROUTES.map((route) => ({ route, match: route.pattern.exec(url.pathname) })).filter((c) => c.match !== null);
    if (candidates.length === 0) return false;
    const hit = candidates.find((c) => c.route.method === req.method);
    if (!hit) {
      sendError(res, apiError(405, 'method_not_allowed', `${req.method} is not allowed on ${url.pathname}`));
      return true;
    }
    const auth = await deps.auth.authenticateRequest(req, { scope: 'read' });
    if (isApiError(auth)) {
      sendError(res, auth);
      return true;
    }
    const result = await hit.route.run(hit.match!, url, req, { ch: deps.ch, projectId: auth.projectId, pricerCache: deps.pricerCache });
    sendJson(res, result.status, result.body);
    return true;
  };
}
