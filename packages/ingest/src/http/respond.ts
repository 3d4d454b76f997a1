// JSON answers and the contract's error shape `{"error": {"code", "message"}}`, written once.
import type { ServerResponse } from 'node:http';

export type ErrorCode =
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'bad_request'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'unavailable';

/** An error answer not yet sent: handlers return it, the router writes it. */
export interface ApiError {
  status: 400 | 401 | 403 | 404 | 405 | 413 | 415 | 429 | 503;
  code: ErrorCode;
  message: string;
  retryAfterSeconds?: number;
}

export const apiError = (
  status: ApiError['status'],
  code: ErrorCode,
  message: string,
  retryAfterSeconds?: number,
): ApiError => (retryAfterSeconds === undefined ? { status, code, message } : { status, code, message, retryAfterSeconds });

export function isApiError(value: unknown): value is ApiError {
  return typeof value === 'object' && value !== null && 'code' in value && 'status' in value && 'message' in value;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, error: ApiError): void {
  const headers: Record<string, string> = {};
  if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(Math.max(1, Math.ceil(error.retryAfterSeconds)));
  sendJson(res, error.status, { error: { code: error.code, message: error.message } }, headers);
}

/** The same error as a fetch API Response, for Next.js route handlers. */
export function errorResponse(error: ApiError): Response {
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(Math.max(1, Math.ceil(error.retryAfterSeconds)));
  return new Response(JSON.stringify({ error: { code: error.code, message: error.message } }), { status: error.status, headers });
}
