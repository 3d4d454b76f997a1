// Month-end spend forecast from the spend to date, with a linear trend, a weekday pattern and an 80%
// interval.
//
// Method: daily spend over the last 8 weeks before the as_of day (from the first day with any call,
// missing days as 0) is fitted as y = a + b·t + s(weekday), Σ s = 0 (additive weekday effects, only
// with 2+ weeks of history), by least squares (backfitting: trend on y − s, s as the centred mean
// residual per weekday, until stable). The rest of the month (the rest of the as_of day pro rata, then
// each later day) is predicted from it, never below 0. Interval: σ² from the residuals (n − 2 − 6
// degrees of freedom), variance of the remaining sum = σ²·Σw² (day noise) + σ²·c'(X'X)⁻¹c (trend
// uncertainty, c = Σ w·[1, t]); ± 1.2816·sd is the central 80% under normal errors, low never below the
// spend to date. The statistics are floats (an estimate); spend_to_date is exact. Spend comes from the
// spend metric (getMetrics), so from the hourly rollup where it serves.
import { getMetrics } from '../metrics/index.ts';
import { z } from 'zod';
import type { AnalysisContext } from './context.ts';
import { Dec, usd } from './money.ts';
import { ZInstant, ZMonth } from './params.ts';

export const ZForecastParams = z.object({ month: ZMonth, as_of: ZInstant.optional() }).strict();
export type TForecastParams = z.input<typeof ZForecastParams>;

const DAY_MS = 86_400_000;
const HISTORY_DAYS = 56;
const MIN_DAYS_FOR_WEEKDAYS = 14;
/** Standard normal quantile at 90%: ± it around the mean holds 80%. */
const Z80 = 1.2815515655446004;

export interface ForecastData {
  month: string;
  as_of: string;
  spend_to_date: number;
  forecast: number;
  low: number;
  high: number;
  /** The fitted trend, USD per day per day, and the weekday effects Monday..Sunday (USD per day). */
  trend_usd_per_day: number | null;
  weekday_effects: number[] | null;
  history_days: number;
}

export interface DailyFit {
  a: number;
  b: number;
  season: number[]; // by getUTCDay(): 0 = Sunday
  sigma2: number;
  xtxInv: [[number, number], [number, number]];
}

/** Least squares fit of y = a + b·t + s(weekday(t)); `weekdayOf(t)` gives getUTCDay of day t. */
export function fitDaily(y: number[], weekdayOf: (t: number) => number): DailyFit {
  const n = y.length;
  const useSeason = n >= MIN_DAYS_FOR_WEEKDAYS;
  const season = new Array<number>(7).fill(0);
  let a = 0;
  let b = 0;
  const tMean = (n - 1) / 2;
  const sxx = y.reduce((sum, _, t) => sum + (t - tMean) ** 2, 0);
  for (let iteration = 0; iteration < (useSeason ? 50 : 1); iteration++) {
    const z = y.map((v, t) => v - season[weekdayOf(t)]!);
    const zMean = z.reduce((s, v) => s + v, 0) / n;
    b = sxx === 0 ? 0 : z.reduce((sum, v, t) => sum + (t - tMean) * (v - zMean), 0) / sxx;
    a = zMean - b * tMean;
    if (!useSeason) break;
    const sums = new Array<number>(7).fill(0);
    const counts = new Array<number>(7).fill(0);
    y.forEach((v, t) => {
      const w = weekdayOf(t);
      sums[w]! += v - a - b * t;
      counts[w]! += 1;
    });
    const raw = sums.map((s, w) => (counts[w] ? s / counts[w]! : 0));
    const centre = raw.reduce((s, v) => s + v, 0) / 7;
    for (let w = 0; w < 7; w++) season[w] = raw[w]! - centre;
  }
  const residuals = y.map((v, t) => v - a - b * t - season[weekdayOf(t)]!);
  const dof = Math.max(1, n - 2 - (useSeason ? 6 : 0));
  const sigma2 = residuals.reduce((s, r) => s + r * r, 0) / dof;
  // (X'X)⁻¹ for X = [1, t]: [[Σt², −Σt], [−Σt, n]] / det.
  const st = y.reduce((s, _, t) => s + t, 0);
  const stt = y.reduce((s, _, t) => s + t * t, 0);
  const det = n * stt - st * st;
  const xtxInv: DailyFit['xtxInv'] = det === 0 ? [[1 / Math.max(n, 1), 0], [0, 0]] : [[stt / det, -st / det], [-st / det, n / det]];
  return { a, b, season, sigma2, xtxInv };
}

/** Spend in [from, to): the spend metric (getMetrics: rollup hours and raw edges where it can). */
async function spendBetween(ctx: AnalysisContext, fromMs: number, toMs: number): Promise<Dec> {
  if (toMs <= fromMs) return new Dec(0);
  const { data } = await getMetrics(ctx, { from: fromMs, to: toMs, metrics: ['spend'] });
  return new Dec(String(data[0]?.spend ?? 0));
}

export async function forecast(ctx: AnalysisContext, input: TForecastParams): Promise<ForecastData> {
  const { month, as_of } = ZForecastParams.parse(input);
  const asOf = as_of ?? Date.now();
  const toDate = await spendBetween(ctx, month.startMs, Math.min(asOf, month.endMs));
  const base = { month: month.label, as_of: new Date(asOf).toISOString(), spend_to_date: usd(toDate) };
  const asOfDay = Math.floor(asOf / DAY_MS) * DAY_MS;
  const { data: daily } = await getMetrics(ctx, { from: asOfDay - HISTORY_DAYS * DAY_MS, to: asOfDay, metrics: ['spend'], group_by: 'day' });
  const dayMs = (row: (typeof daily)[number]) => Date.parse(`${String(row.day)}T00:00:00Z`);
  const firstDay = daily.length ? Math.min(...daily.map(dayMs)) : asOfDay;
  const n = Math.round((asOfDay - firstDay) / DAY_MS);
  if (asOf >= month.endMs || n === 0) {
    // The month is over, or there is no full day of history to project from.
    return { ...base, forecast: base.spend_to_date, low: base.spend_to_date, high: base.spend_to_date, trend_usd_per_day: null, weekday_effects: null, history_days: n };
  }
  const y = new Array<number>(n).fill(0);
  for (const row of daily) y[Math.round((dayMs(row) - firstDay) / DAY_MS)] = Number(row.spend ?? 0);
  const weekdayOf = (t: number) => new Date(firstDay + t * DAY_MS).getUTCDay();
  const fit = fitDaily(y, weekdayOf);
  // Remaining days: the rest of the as_of day pro rata (or whole days when as_of is before the month).
  let mean = 0;
  let noise = 0;
  let c0 = 0;
  let c1 = 0;
  for (let day = Math.max(asOfDay, month.startMs); day < month.endMs; day += DAY_MS) {
    const w = asOf > day ? (day + DAY_MS - asOf) / DAY_MS : 1;
    const t = Math.round((day - firstDay) / DAY_MS);
    mean += w * Math.max(0, fit.a + fit.b * t + fit.season[weekdayOf(t)]!);
    noise += w * w;
    c0 += w;
    c1 += w * t;
  }
  const [[i00, i01], [i10, i11]] = fit.xtxInv;
  const variance = fit.sigma2 * (noise + c0 * (i00 * c0 + i01 * c1) + c1 * (i10 * c0 + i11 * c1));
  const sd = Math.sqrt(Math.max(0, variance));
  const total = toDate.plus(new Dec(String(mean)));
  const low = Dec.max(toDate, total.minus(new Dec(String(Z80 * sd))));
  const high = total.plus(new Dec(String(Z80 * sd)));
  const monToSun = [1, 2, 3, 4, 5, 6, 0].map((w) => Number(fit.season[w]!.toPrecision(12)));
  return {
    ...base,
    forecast: usd(total),
    low: usd(low),
    high: usd(high),
    trend_usd_per_day: Number(fit.b.toPrecision(12)),
    weekday_effects: n >= MIN_DAYS_FOR_WEEKDAYS ? monToSun : null,
    history_days: n,
  };
}
