// Unit economics: the observed cost per user (the metric, from getMetrics: a rollup where one serves) and the monthly spend it implies at 10,
// 10,000 and 1,000,000 users. Linear on purpose: cost per user times users, with the range's cost per
// user scaled to an average month (30.436875 days: 365.2425 / 12) by the range's length.
import { z } from 'zod';
import type { AnalysisContext } from './context.ts';
import { Dec, usd } from './money.ts';
import { getMetrics } from '../metrics/index.ts';
import { ZRange } from './params.ts';

export const ZUnitEconomicsParams = ZRange;
export type TUnitEconomicsParams = z.input<typeof ZUnitEconomicsParams>;

export const PROJECTED_USERS = [10, 10_000, 1_000_000] as const;
const MONTH_DAYS = new Dec('30.436875');
const DAY_MS = 86_400_000;

export interface UnitEconomicsData {
  users: number;
  /** Σ cost of calls with a user / users over the range; null without users. */
  cost_per_user: number | null;
  /** cost_per_user scaled to an average month. */
  monthly_cost_per_user: number | null;
  projection: { users: number; monthly_spend: number | null }[];
}

export async function unitEconomics(ctx: AnalysisContext, input: TUnitEconomicsParams): Promise<UnitEconomicsData> {
  const params = ZUnitEconomicsParams.parse(input);
  const { data } = await getMetrics(ctx, { from: params.from, to: params.to, metrics: ['cost_per_user', 'users'] });
  const row = data[0];
  const users = new Dec(String(row?.users ?? 0));
  // The projection scales the metric's own (answered) cost per user.
  const costPerUser = row?.cost_per_user == null ? null : new Dec(String(row.cost_per_user));
  const monthly = costPerUser === null ? null : costPerUser.times(MONTH_DAYS).div(new Dec(params.to - params.from).div(DAY_MS));
  return {
    users: users.toNumber(),
    cost_per_user: costPerUser === null ? null : usd(costPerUser),
    monthly_cost_per_user: monthly === null ? null : usd(monthly),
    projection: PROJECTED_USERS.map((n) => ({ users: n, monthly_spend: monthly === null ? null : usd(monthly.times(n)) })),
  };
}
