// The public API of the analyses: `GET /api/public/analyses/{name}` and `POST .../what-if`, as plain
// functions from the request's parts to `{status, body}`. The route files authenticate and call these.
import type { z } from 'zod';
import { ANALYSES } from '../analyses/index.ts';
import { AnalysisParameterError, type AnalysisContext } from '../analyses/context.ts';
import { whatIf, ZWhatIfBody } from '../analyses/what-if.ts';

export interface ApiAnswer {
  status: number;
  body: { data: unknown } | { error: { code: string; message: string } };
}

const invalid = (message: string): ApiAnswer => ({ status: 400, body: { error: { code: 'invalid_parameter', message } } });

/** The value at `path` in `input`, undefined where the path leaves it. */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** The first problem of a failed parse of `input`, as a sentence that names the parameter. */
export function describeIssue(error: z.ZodError, input: unknown): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid parameters';
  const path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const names = issue.keys.map((key) => (path ? `${path}.${key}` : key));
    return `unknown parameter${names.length > 1 ? 's' : ''}: ${names.join(', ')}`;
  }
  if (issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined) {
    return `missing parameter: ${path}`;
  }
  return `invalid parameter ${path || '(body)'}: ${issue.message}`;
}

async function answer(run: () => Promise<unknown>): Promise<ApiAnswer> {
  try {
    return { status: 200, body: { data: await run() } };
  } catch (error) {
    if (error instanceof AnalysisParameterError) return invalid(`invalid parameter ${error.message}`);
    throw error;
  }
}

/** `GET /api/public/analyses/{name}?...`: 400 names an unknown analysis or parameter. */
export async function handleAnalysis(name: string, searchParams: URLSearchParams, ctx: AnalysisContext): Promise<ApiAnswer> {
  const analysis = Object.hasOwn(ANALYSES, name) ? ANALYSES[name] : undefined;
  if (!analysis) return invalid(`unknown analysis: ${name} (one of ${[...Object.keys(ANALYSES), 'what-if'].join(', ')})`);
  const params: Record<string, string> = {};
  for (const [key, value] of searchParams) {
    if (Object.hasOwn(params, key)) return invalid(`parameter ${key} given more than once`);
    params[key] = value;
  }
  const parsed = analysis.schema.safeParse(params);
  if (!parsed.success) return invalid(describeIssue(parsed.error, params));
  // The function parses again from the raw strings: each analysis is callable on its own.
  return answer(() => analysis.run(ctx, params as never));
}

/** `POST /api/public/analyses/what-if` with `{from, to, scenario}`. */
export async function handleWhatIf(body: unknown, ctx: AnalysisContext): Promise<ApiAnswer> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return invalid('the body must be a JSON object {from, to, scenario}');
  const parsed = ZWhatIfBody.safeParse(body);
  if (!parsed.success) return invalid(describeIssue(parsed.error, body));
  return answer(() => whatIf(ctx, body as never));
}
