// The public API of the analyses: `GET /api/public/analyses/{name}` and `POST .../what-if`, as plain
// functions from the request's parts to `{status, body}` (the route files authenticate and call
// these). Parameters are parsed as the metrics' are; a 400 names the parameter first.
import type { z } from 'zod';
import { ANALYSES } from '../analyses/index.ts';
import { AnalysisParameterError, type AnalysisContext } from '../analyses/context.ts';
import { whatIf, ZWhatIfBody } from '../analyses/what-if.ts';
import { invalidParameter, ok, type HandlerResult } from './errors.ts';
import { parseSearchParams } from './query-params.ts';

export const ANALYSIS_NAMES = [...Object.keys(ANALYSES), 'what-if'];

/** The value at `path` in `input`, undefined where the path leaves it. */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** The first problem of a failed parse of a JSON body, as a 400 naming its dotted path. */
export function bodyIssue(error: z.ZodError, input: unknown): HandlerResult {
  const issue = error.issues[0];
  if (!issue) return invalidParameter('body', 'invalid');
  const path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    return invalidParameter(issue.keys.map((key) => (path ? `${path}.${key}` : key)).join(', '), 'unknown parameter');
  }
  if (issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined) return invalidParameter(path, 'required');
  return invalidParameter(path || 'body', issue.message);
}

async function answer(run: () => Promise<unknown>): Promise<HandlerResult> {
  try {
    return ok({ data: await run() });
  } catch (error) {
    if (error instanceof AnalysisParameterError) return invalidParameter(error.parameter, error.what);
    throw error;
  }
}

/** `GET /api/public/analyses/{name}?...`: 400 names an unknown analysis or parameter. */
export async function handleAnalysis(name: string, searchParams: URLSearchParams, ctx: AnalysisContext): Promise<HandlerResult> {
  const analysis = Object.hasOwn(ANALYSES, name) ? ANALYSES[name] : undefined;
  if (!analysis) return invalidParameter(name, `unknown analysis; one of ${ANALYSIS_NAMES.join(', ')}`);
  const parsed = parseSearchParams(analysis.schema, searchParams);
  if (!parsed.ok) return parsed.error;
  // The analysis parses again from the raw strings: each one is callable on its own.
  return answer(() => analysis.run(ctx, Object.fromEntries(searchParams) as never));
}

/** `POST /api/public/analyses/what-if` with `{from, to, scenario}`. */
export async function handleWhatIf(body: unknown, ctx: AnalysisContext): Promise<HandlerResult> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return invalidParameter('body', 'expected a JSON object {from, to, scenario}');
  const parsed = ZWhatIfBody.safeParse(body);
  if (!parsed.success) return bodyIssue(parsed.error, body);
  return answer(() => ctx.ch.together(() => whatIf(ctx, body as never)));
}
