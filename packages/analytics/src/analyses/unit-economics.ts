// Unit economics: the observed cost per user (the metric) and the monthly spend it implies at 10,
// 10,000 and 1,000,000 users. Linear on purpose: cost per user times users, with the range's cost per
// user scaled to an average month (30.436875 days: 365.2425 / 12) by the range's length.
import { z } from 'zod';
import type { AnalysisContext } from './context.ts';
import { metricColumns } from './metric-sql.ts';
import { Dec, usd } from './money.ts';
import { CALLS_IN_RANGE, queryAnalysis, rangeParams } from './calls-scope.ts';
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
  const [row] = await queryAnalysis<{ a_user_spend: string; a_users: string; cost_per_user: string | null }>(
    ctx.ch,
    `SELECT ${metricColumns(['cost_per_user'])} FROM ${CALLS_IN_RANGE}`,
    { tag: 'analyses.unit_economics', params: rangeParams(ctx.projectId, params) },
  );
  const users = new Dec(row?.a_users ?? 0);
  // The projection scales the exact quotient; the answered cost_per_user is the metric's own value.
  const costPerUser = users.isZero() ? null : new Dec(row!.a_user_spend).div(users);
  const monthly = costPerUser === null ? null : costPerUser.times(MONTH_DAYS).div(new Dec(params.to - params.from).div(DAY_MS));
  return {
    users: users.toNumber(),
    cost_per_user: row?.cost_per_user == null ? null : usd(row.cost_per_user),
    monthly_cost_per_user: monthly === null ? null : usd(monthly),
    projection: PROJECTED_USERS.map((n) => ({ users: n, monthly_spend: monthly === null ? null : usd(monthly.times(n)) })),
  };
}
