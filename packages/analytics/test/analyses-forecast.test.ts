import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouse } from '@margin/clickhouse';
import { forecast } from '../src/analyses/forecast.ts';
import { Dec } from '../src/analyses/money.ts';
import { at, call, insert, openStore } from './analyses-helpers.ts';

const DAY = 86_400_000;
const START = at('2026-01-05T00:00:00Z'); // a Monday
/** Weekday effect by getUTCDay (Sunday first): weekdays busy, weekends quiet; sums to 0. */
const WEEKDAY = [-3, 1, 1, 1, 1, 1, -2];

/**
 * Daily spend: 10 USD + 0.1 per day of trend + the weekday effect (+ noise), spread evenly over four
 * calls at 03:00, 09:00, 15:00 and 21:00 (so a day's spend accrues as the forecast assumes).
 */
function series(noise: boolean): { day: number; spend: string }[] {
  let seed = 42;
  const uniform = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31) - 0.5;
  const days: { day: number; spend: string }[] = [];
  for (let day = START, d = 0; day < at('2026-04-01T00:00:00Z'); day += DAY, d++) {
    const y = 10 + 0.1 * d + WEEKDAY[new Date(day).getUTCDay()]! + (noise ? uniform() : 0);
    for (const hour of [3, 9, 15, 21]) days.push({ day: day + hour * 3_600_000, spend: (y / 4).toFixed(8) });
  }
  return days;
}

/** Σ spend of the calls in [from, to). */
const sumSpend = (days: { day: number; spend: string }[], from: string, to: string) =>
  days.filter((d) => d.day >= at(from) && d.day < at(to)).reduce((s, d) => s.plus(d.spend), new Dec(0));

describe('forecast analysis', () => {
  let ch: ClickHouse;
  const noisy = series(true);
  const clean = series(false);
  beforeAll(async () => {
    ch = await openStore();
    await insert(ch, 'calls', [
      ...noisy.map((d) => call('noisy', { timestamp: d.day, cost_total: d.spend })),
      ...clean.map((d) => call('clean', { timestamp: d.day, cost_total: d.spend })),
    ]);
  });
  afterAll(async () => ch.close());

  it('finds the trend and weekday pattern of a clean series and lands on its month-end spend', async () => {
    const data = await forecast({ ch, projectId: 'clean' }, { month: '2026-03', as_of: '2026-03-15T00:00:00Z' });
    expect(data.spend_to_date).toBe(sumSpend(clean, '2026-03-01T00:00:00Z', '2026-03-15T00:00:00Z').toNumber());
    const truth = sumSpend(clean, '2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z').toNumber();
    expect(data.forecast).toBeCloseTo(truth, 4);
    expect(data.high - data.low).toBeLessThan(0.01); // the clean series leaves no residuals
    expect(data.trend_usd_per_day).toBeCloseTo(0.1, 6);
    expect(data.weekday_effects!.map((v) => Number(v.toFixed(4)))).toEqual([1, 1, 1, 1, 1, -2, -3]);
    expect(data.history_days).toBe(56);
  });

  it('forecasts a whole month ahead from the history before it', async () => {
    const data = await forecast({ ch, projectId: 'clean' }, { month: '2026-03', as_of: '2026-02-27T00:00:00Z' });
    expect(data.spend_to_date).toBe(0);
    expect(data.forecast).toBeCloseTo(sumSpend(clean, '2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z').toNumber(), 4);
  });

  it('puts the month-end spend of a noisy series inside its 80% interval', async () => {
    const data = await forecast({ ch, projectId: 'noisy' }, { month: '2026-03', as_of: '2026-03-15T00:00:00Z' });
    const truth = sumSpend(noisy, '2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z').toNumber();
    expect(data.spend_to_date).toBe(sumSpend(noisy, '2026-03-01T00:00:00Z', '2026-03-15T00:00:00Z').toNumber());
    expect(data.low).toBeLessThanOrEqual(truth);
    expect(data.high).toBeGreaterThanOrEqual(truth);
    expect(data.low).toBeLessThan(data.forecast);
    expect(Math.abs(data.forecast - truth) / truth).toBeLessThan(0.02);
  });

  it('covers the truth at most as-of days of the month (an 80% interval)', async () => {
    const truth = sumSpend(noisy, '2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z').toNumber();
    let inside = 0;
    for (let day = 2; day <= 28; day += 2) {
      const data = await forecast({ ch, projectId: 'noisy' }, { month: '2026-03', as_of: `2026-03-${String(day).padStart(2, '0')}T06:00:00Z` });
      if (data.low <= truth && truth <= data.high) inside++;
    }
    expect(inside).toBeGreaterThanOrEqual(10); // of 14
  });

  it('answers the spend itself once the month is over', async () => {
    const data = await forecast({ ch, projectId: 'noisy' }, { month: '2026-03', as_of: '2026-04-02T00:00:00Z' });
    const total = sumSpend(noisy, '2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z').toNumber();
    expect(data).toMatchObject({ spend_to_date: total, forecast: total, low: total, high: total });
  });
});
