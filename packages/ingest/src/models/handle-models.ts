// `GET /api/public/models` lists a project's own prices; `POST` adds or replaces one (same model
// name and start date) and makes the pricer of this process see it for the next event.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Db } from '@margin/db';
import { formatIssues, ZModelPriceInput } from '@margin/core';
import type { AuthContext } from '../auth/index.ts';
import { parseJson, readBody } from '../http/read-body.ts';
import { apiError, isApiError, sendJson, type ApiError } from '../http/respond.ts';
import type { PricerCache } from '../pricing/pricer-cache.ts';

/** A price row as the API shows it: USD per 1M tokens as decimal strings. */
function toApi(row: {
  id: string;
  modelName: string;
  matchPattern: string;
  inputPrice: { toString(): string };
  outputPrice: { toString(): string };
  cacheReadPrice: { toString(): string } | null;
  cacheWritePrice: { toString(): string } | null;
  batchDiscount: { toString(): string } | null;
  startDate: Date;
}) {
  return {
    id: row.id,
    model_name: row.modelName,
    match_pattern: row.matchPattern,
    input_price: row.inputPrice.toString(),
    output_price: row.outputPrice.toString(),
    cache_read_price: row.cacheReadPrice?.toString() ?? null,
    cache_write_price: row.cacheWritePrice?.toString() ?? null,
    batch_discount: row.batchDiscount?.toString() ?? null,
    start_date: row.startDate.toISOString(),
  };
}

export async function handleListModels(res: ServerResponse, auth: AuthContext, db: Db): Promise<void> {
  const rows = await db.prisma.modelPrice.findMany({ where: { projectId: auth.projectId }, orderBy: [{ modelName: 'asc' }, { startDate: 'asc' }] });
  sendJson(res, 200, { data: rows.map(toApi) });
}

export async function handleCreateModel(
  req: IncomingMessage,
  res: ServerResponse,
  auth: AuthContext,
  deps: { db: Db; pricerCache: PricerCache },
): Promise<ApiError | void> {
  const body = await readBody(req, 64 * 1024);
  if (isApiError(body)) return body;
  const parsed = parseJson(body);
  if (isApiError(parsed)) return parsed;
  const input = ZModelPriceInput.safeParse(parsed.json);
  if (!input.success) return apiError(400, 'bad_request', formatIssues(input.error.issues));
  const price = input.data;
  const startDate = price.start_date ?? new Date(0);
  const values = {
    matchPattern: price.match_pattern,
    inputPrice: price.input_price,
    outputPrice: price.output_price,
    cacheReadPrice: price.cache_read_price ?? null,
    cacheWritePrice: price.cache_write_price ?? null,
    batchDiscount: price.batch_discount === undefined ? null : String(price.batch_discount),
  };
  const row = await deps.db.prisma.modelPrice.upsert({
    where: { projectId_modelName_startDate: { projectId: auth.projectId, modelName: price.model_name, startDate } },
    create: { projectId: auth.projectId, modelName: price.model_name, startDate, ...values },
    update: values,
  });
  deps.pricerCache.invalidate(auth.projectId);
  sendJson(res, 201, { data: toApi(row) });
}
