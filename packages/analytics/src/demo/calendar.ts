// When demo traffic happens: how many calls each UTC day gets (growth trend, weekday pattern) and
// which hours of the day they fall in (EU and US business hours of a B2B product).
import { Random, WeightedIndex } from './random.ts';

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;

/** Relative traffic by UTC hour: EU morning, overlap peak, US afternoon, quiet nights. */
export const HOUR_WEIGHTS = [
  0.25, 0.2, 0.18, 0.18, 0.22, 0.35, 0.6, 0.9, 1.2, 1.4, 1.45, 1.4, 1.35, 1.55, 1.75, 1.8, 1.7, 1.5, 1.25, 1.0, 0.8,
  0.6, 0.45, 0.32,
];

/** Sunday first (Date#getUTCDay): weekends are quiet for a B2B product. */
export const WEEKDAY_WEIGHTS = [0.35, 1.0, 1.08, 1.06, 1.04, 0.92, 0.42];

/** Month-over-month growth of traffic. */
export const MONTHLY_GROWTH = 1.12;

export interface DemoDay {
  index: number;
  /** Start of the UTC day, epoch ms. */
  start: number;
  calls: number;
  /** Hours of this day inside the period (the last day stops at `end`). */
  hours: number;
}

/** Splits `calls` over the UTC days from `months` before `end` up to `end`, exactly. */
export function planDays(calls: number, months: number, end: number): DemoDay[] {
  const lastHour = Math.floor(end / HOUR_MS) * HOUR_MS;
  const firstDay = Math.floor((lastHour - Math.round(months * 30.4375) * DAY_MS) / DAY_MS) * DAY_MS;
  const days: { start: number; hours: number; weight: number }[] = [];
  for (let start = firstDay; start < lastHour; start += DAY_MS) {
    const hours = Math.min(24, Math.round((lastHour - start) / HOUR_MS));
    const hourShare = HOUR_WEIGHTS.slice(0, hours).reduce((sum, w) => sum + w, 0) / HOUR_WEIGHTS.reduce((sum, w) => sum + w, 0);
    const growth = Math.pow(MONTHLY_GROWTH, (start - firstDay) / (30.4375 * DAY_MS));
    days.push({ start, hours, weight: growth * WEEKDAY_WEIGHTS[new Date(start).getUTCDay()]! * hourShare });
  }
  // Largest remainder: the day counts add up to exactly `calls`.
  const total = days.reduce((sum, day) => sum + day.weight, 0);
  const exact = days.map((day) => (calls * day.weight) / total);
  const counts = exact.map(Math.floor);
  let missing = calls - counts.reduce((sum, n) => sum + n, 0);
  const byRemainder = exact.map((value, index) => ({ index, rest: value - Math.floor(value) })).sort((a, b) => b.rest - a.rest || a.index - b.index);
  for (let i = 0; missing > 0; i = (i + 1) % byRemainder.length, missing--) counts[byRemainder[i]!.index]!++;
  return days.map((day, index) => ({ index, start: day.start, calls: counts[index]!, hours: day.hours }));
}

/** The spike: a weekday about 70% into the period, when one feature is switched to the premium model. */
export function spikeDayIndex(days: readonly DemoDay[]): number {
  let index = Math.floor(days.length * 0.7);
  while (index > 0 && [0, 6].includes(new Date(days[index]!.start).getUTCDay())) index--;
  return index;
}

/** Samples a moment of a day by the hour profile. */
export class DayClock {
  private readonly full = new WeightedIndex(HOUR_WEIGHTS);

  at(random: Random, day: DemoDay): number {
    let hour = this.full.sample(random);
    // The last, partial day: resample until the hour is inside the period (cheap, rare).
    for (let tries = 0; hour >= day.hours && tries < 50; tries++) hour = this.full.sample(random);
    if (hour >= day.hours) hour = random.int(0, Math.max(0, day.hours - 1));
    return day.start + hour * HOUR_MS + Math.floor(random.next() * HOUR_MS);
  }
}
