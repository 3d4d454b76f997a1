// The body of `POST /api/public/models`: a project's own price for the models its pattern matches.
import { z } from 'zod';
import { expected, parseTimestamp } from '../events/fields.ts';

/** Optional, and null means not set. */
const optional = <T extends z.ZodType>(schema: T) => schema.nullish();
import { Dec } from '../money.ts';
import type { ProjectPrice } from './types.ts';

/**
 * Largest price accepted, USD per 1M tokens (the catalog's dearest is 600, o1-pro output). It keeps the
 * dearest possible call (2 × 10^9 tokens) at 2,000,000 USD, inside the cost columns' Decimal64(12)
 * (about 9.2 million): a bigger cost would fail the insert of a whole batch.
 */
export const MAX_PRICE_PER_MTOK = 1_000;

const PRICE_MESSAGE = `a price in USD per 1M tokens from 0 to ${MAX_PRICE_PER_MTOK}`;

/** A price as a JSON number or decimal string, kept as a plain decimal string. */
export const ZPricePerMTok = z.union([z.number(), z.string()], expected(PRICE_MESSAGE)).transform((value, ctx) => {
  const text = typeof value === 'number' ? String(value) : value.trim();
  if (!/^\d+(\.\d+)?([eE][-+]?\d+)?$/.test(text) || new Dec(text).greaterThan(MAX_PRICE_PER_MTOK)) {
    ctx.addIssue({ code: 'custom', message: `expected ${PRICE_MESSAGE}` });
    return z.NEVER;
  }
  return new Dec(text).toFixed();
});

/** A regex that compiles, as matched: `^(?:pattern)$`, case-insensitive. */
export const ZMatchPattern = z
  .string(expected('a regular expression'))
  .min(1, expected('a regular expression'))
  .max(1000, expected('a regular expression of at most 1000 characters'))
  .superRefine((pattern, ctx) => {
    try {
      compileMatchPattern(pattern);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `expected a valid regular expression: ${(error as Error).message}` });
    }
  });

export const ZModelPriceInput = z.object(
  {
    model_name: z
      .string(expected('a string of 1 to 256 characters'))
      .min(1, expected('a string of 1 to 256 characters'))
      .max(256, expected('a string of 1 to 256 characters')),
    match_pattern: ZMatchPattern,
    input_price: ZPricePerMTok,
    output_price: ZPricePerMTok,
    cache_read_price: optional(ZPricePerMTok),
    cache_write_price: optional(ZPricePerMTok),
    /** Fraction off for batch calls: 0.5 = half price. */
    batch_discount: optional(
      z
        .number(expected('a fraction from 0 to 1 (0.5 = half price)'))
        .min(0, expected('a fraction from 0 to 1 (0.5 = half price)'))
        .max(1, expected('a fraction from 0 to 1 (0.5 = half price)')),
    ),
    /** Absent: the price applies to every call, past ones included. */
    start_date: optional(
      z.unknown().transform((value, ctx) => {
        const ms =
          parseTimestamp(value) ??
          (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) ? parseTimestamp(`${value}T00:00:00Z`) : null);
        if (ms === null) {
          ctx.addIssue({ code: 'custom', message: 'expected an RFC 3339 date-time, a YYYY-MM-DD date or epoch milliseconds' });
          return z.NEVER;
        }
        return new Date(ms);
      }),
    ),
  },
  expected('an object'),
);

export type TModelPriceInput = z.output<typeof ZModelPriceInput>;

/** The stored form of a validated body. */
export function projectPriceFromInput(input: TModelPriceInput): ProjectPrice {
  return {
    modelName: input.model_name,
    matchPattern: input.match_pattern,
    inputPrice: input.input_price,
    outputPrice: input.output_price,
    cacheReadPrice: input.cache_read_price ?? null,
    cacheWritePrice: input.cache_write_price ?? null,
    batchDiscount: input.batch_discount === undefined ? null : String(input.batch_discount),
    startDate: input.start_date ?? new Date(0),
  };
}

/** How a project's pattern is matched: the whole model name, case-insensitive. */
export function compileMatchPattern(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`, 'i');
}
