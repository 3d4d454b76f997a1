// Parameter schemas shared by the analyses: a time range, a month, and how both become SQL parameters.
import { z } from 'zod';
import { ZTimestamp } from '../api/query-params.ts';

/** An RFC 3339 instant with a zone, as epoch milliseconds: the same parser as the metrics API. */
export const ZInstant = ZTimestamp;

/** A UTC month `YYYY-MM`, as its first instant and the first instant of the next month (epoch ms). */
export const ZMonth = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'expected a month as YYYY-MM')
  .transform((value) => {
    const [year, month] = value.split('-').map(Number) as [number, number];
    return { label: value, startMs: Date.UTC(year, month - 1, 1), endMs: Date.UTC(year, month, 1) };
  });
export type Month = z.output<typeof ZMonth>;

export const monthBefore = (month: Month): Month => {
  const start = new Date(month.startMs);
  const startMs = Date.UTC(start.getUTCFullYear(), start.getUTCMonth() - 1, 1);
  const label = new Date(startMs).toISOString().slice(0, 7);
  return { label, startMs, endMs: month.startMs };
};

/** `from`/`to` of every range analysis: calls with timestamp in [from, to). */
export const rangeShape = { from: ZInstant, to: ZInstant };

/** Refinement: `from` before `to`, named on `to`. */
export const fromBeforeTo = <T extends { from: number; to: number }>(value: T, ctx: z.RefinementCtx): void => {
  if (value.from >= value.to) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
};

export const ZRange = z.object(rangeShape).strict().superRefine(fromBeforeTo);
export type Range = z.output<typeof ZRange>;
