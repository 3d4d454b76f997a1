// Month-over-month spend bridge: spend = users × requests_per_user × tokens_per_request ×
// usd_per_million_tokens / 10^6, and the change from the previous month attributed to each factor.
//
// Method: the symmetric Shapley decomposition of the product over its four factors. A factor's part is
// the change in spend when it moves from its previous to its current value, averaged over every order
// in which the four factors can move (weights |S|!(3−|S|)!/4! over the sets S of factors already
// moved). It is exact (the parts add up to the change by construction), symmetric, works with zeros
// (unlike the log-mean Divisia index, which takes logs), and a factor that did not change gets
// exactly 0, so when one factor alone changed its part is the whole change.
//
// Inputs: the metrics spend (Σ cost, rounded to 1e-9 as the metric answers it), users, requests and
// total_tokens over each UTC month, from getMetrics (so from a rollup where one serves).
//
// Decimals: factors are ratios (requests / users is rarely a finite decimal), so products are taken in
// decimal.js at 60 significant digits; each part is then rounded to 1e-9 USD and the rounding residual
// (round(change) − Σ round(part), at most a few 1e-9) is added to the part with the largest magnitude,
// so the four answered parts add up to the answered change exactly.
//
// A month whose spend the identity cannot express (calls but no user_id, or cost without tokens) has
// an undefined factor (null in the answer, 0 in the products); the spend the products miss is put into
// `users` when a month has calls without users, otherwise into `price`, so the parts still add up.
import { getMetrics } from '../metrics/index.ts';
import { z } from 'zod';
import type { AnalysisContext } from './context.ts';
import { Dec, MILLION, roundUsd, usd, ZERO } from './money.ts';
import { monthBefore, ZMonth, type Month } from './params.ts';

export const ZSpendBridgeParams = z.object({ month: ZMonth }).strict();
export type TSpendBridgeParams = z.input<typeof ZSpendBridgeParams>;

const FACTORS = ['users', 'requests_per_user', 'tokens_per_request', 'price'] as const;
type Factor = (typeof FACTORS)[number];

export interface BridgeMonth {
  month: string;
  spend: number;
  users: number;
  requests: number;
  tokens: number;
  requests_per_user: number | null;
  tokens_per_request: number | null;
  usd_per_million_tokens: number | null;
}

export interface SpendBridgeData {
  previous: BridgeMonth;
  current: BridgeMonth;
  change: number;
  parts: Record<Factor, number>;
}

interface MonthTotals {
  month: Month;
  spend: Dec;
  users: Dec;
  requests: Dec;
  tokens: Dec;
}

/** The month's spend, users, requests and tokens: the metrics themselves (getMetrics picks a rollup or raw calls). */
async function monthTotals(ctx: AnalysisContext, month: Month): Promise<MonthTotals> {
  const { data } = await getMetrics(ctx, { from: month.startMs, to: month.endMs, metrics: ['spend', 'users', 'requests', 'total_tokens'] });
  const row = data[0] ?? {};
  const dec = (value: unknown) => new Dec(value === null || value === undefined ? 0 : String(value));
  return { month, spend: dec(row.spend), users: dec(row.users), requests: dec(row.requests), tokens: dec(row.total_tokens) };
}

/** The four factors; a zero denominator makes a factor null (undefined), which counts as 0 in products. */
function factorsOf(t: MonthTotals): Record<Factor, Dec | null> {
  const div = (a: Dec, b: Dec): Dec | null => (b.isZero() ? null : a.div(b));
  const perToken = div(t.spend, t.tokens);
  return {
    users: t.users,
    requests_per_user: div(t.requests, t.users),
    tokens_per_request: div(t.tokens, t.requests),
    price: perToken === null ? null : perToken.times(MILLION),
  };
}

const product = (values: Record<Factor, Dec | null>): Dec =>
  FACTORS.reduce((acc, f) => acc.times(values[f] ?? ZERO), new Dec(1)).div(MILLION);

const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));

/** Shapley value of each factor for the product going from `before` to `after` (unrounded). */
export function shapleyParts(before: Record<Factor, Dec | null>, after: Record<Factor, Dec | null>): Record<Factor, Dec> {
  const n = FACTORS.length;
  const parts = {} as Record<Factor, Dec>;
  for (const factor of FACTORS) {
    const others = FACTORS.filter((f) => f !== factor);
    let part = new Dec(0);
    for (let mask = 0; mask < 1 << others.length; mask++) {
      const moved = others.filter((_, i) => mask & (1 << i));
      const at = (withFactor: boolean) =>
        Object.fromEntries(FACTORS.map((f) => [f, (f === factor ? withFactor : moved.includes(f)) ? after[f] : before[f]])) as Record<Factor, Dec | null>;
      const marginal = product(at(true)).minus(product(at(false)));
      if (marginal.isZero()) continue;
      part = part.plus(marginal.times(factorial(moved.length) * factorial(n - moved.length - 1)).div(factorial(n)));
    }
    parts[factor] = part;
  }
  return parts;
}

/** Rounds each part to 1e-9 and gives the residual to the largest part, so they add up to `change` exactly. */
export function roundPartsToChange(parts: Record<Factor, Dec>, change: Dec): Record<Factor, Dec> {
  const rounded = Object.fromEntries(FACTORS.map((f) => [f, roundUsd(parts[f])])) as Record<Factor, Dec>;
  const residual = roundUsd(change).minus(FACTORS.reduce((sum, f) => sum.plus(rounded[f]), new Dec(0)));
  if (!residual.isZero()) {
    const largest = FACTORS.reduce((best, f) => (parts[f].abs().greaterThan(parts[best].abs()) ? f : best), FACTORS[0] as Factor);
    rounded[largest] = rounded[largest].plus(residual);
  }
  return rounded;
}

const numberOrNull = (value: Dec | null): number | null => (value === null ? null : Number(value.toSignificantDigits(15)));

function describe(t: MonthTotals): BridgeMonth {
  const f = factorsOf(t);
  return {
    month: t.month.label,
    spend: usd(t.spend),
    users: t.users.toNumber(),
    requests: t.requests.toNumber(),
    tokens: t.tokens.toNumber(),
    requests_per_user: numberOrNull(f.requests_per_user),
    tokens_per_request: numberOrNull(f.tokens_per_request),
    usd_per_million_tokens: f.price === null ? null : usd(f.price),
  };
}

export async function spendBridge(ctx: AnalysisContext, input: TSpendBridgeParams): Promise<SpendBridgeData> {
  const { month } = ZSpendBridgeParams.parse(input);
  const [previous, current] = [await monthTotals(ctx, monthBefore(month)), await monthTotals(ctx, month)];
  const change = current.spend.minus(previous.spend);
  const parts = shapleyParts(factorsOf(previous), factorsOf(current));
  // Spend the identity cannot express (see the top of the file) goes to the factor that is missing.
  const explained = FACTORS.reduce((sum, f) => sum.plus(parts[f]), new Dec(0));
  const gap = change.minus(explained);
  if (!gap.isZero()) {
    const usersMissing = [previous, current].some((t) => t.users.isZero() && !t.requests.isZero());
    const into: Factor = usersMissing ? 'users' : 'price';
    parts[into] = parts[into].plus(gap);
  }
  const rounded = roundPartsToChange(parts, change);
  return {
    previous: describe(previous),
    current: describe(current),
    change: usd(change),
    parts: Object.fromEntries(FACTORS.map((f) => [f, usd(rounded[f])])) as Record<Factor, number>,
  };
}
