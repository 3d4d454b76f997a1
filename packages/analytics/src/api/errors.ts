// The answers of the public API handlers, framework-agnostic: a status and a JSON body, errors in
// the contract's shape `{"error": {"code", "message"}}`; a bad parameter's message names it first.

export interface HandlerResult {
  status: number;
  body: unknown;
}

export interface ApiErrorBody {
  error: { code: string; message: string };
}

export function invalidParameter(param: string, what: string): HandlerResult {
  return { status: 400, body: { error: { code: 'invalid_parameter', message: `${param}: ${what}` } } satisfies ApiErrorBody };
}

export function notFound(what: string): HandlerResult {
  return { status: 404, body: { error: { code: 'not_found', message: what } } satisfies ApiErrorBody };
}

export function ok(body: unknown): HandlerResult {
  return { status: 200, body };
}
