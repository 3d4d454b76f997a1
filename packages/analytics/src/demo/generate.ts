// Generates months of a B2B AI product's traffic as ClickHouse rows, deterministically from a seed and
// streamed in chunks, so 10M calls never sit in memory. The model is described in bench/README.md.
import { emptyBatch, type RowBatch } from '@margin/core';
import { DayClock, HOUR_MS, planDays, spikeDayIndex, type DemoDay } from './calendar.ts';
import { catalogPrices, DEMO_MODELS, type MicroPrices } from './models.ts';
import { Population, sessionId, userCountFor } from './population.ts';
import { ingestedAt, Random, WeightedIndex } from './random.ts';
import { FEATURE_BUILDERS, FEATURE_WEIGHTS, OFFLINE_FEATURES, type FeatureContext, type FeatureName } from './traces.ts';

export interface DemoOptions {
  projectId: string;
  /** Exactly this many calls (generations). */
  calls: number;
  /** Months of history before `end`. */
  months?: number;
  seed?: string;
  /** End of the period, epoch ms; default now. Same seed and end: same rows. */
  end?: number;
  /** Calls per yielded chunk (a trace is never split, so a chunk may hold a few more). */
  batchSize?: number;
}

export interface DemoPlan {
  days: DemoDay[];
  spikeDay: DemoDay;
  /** Hours (epoch ms of their start) in which a provider incident multiplies failures. */
  incidentHours: number[];
  userCount: number;
}

export const DEFAULT_DEMO_SEED = 'margin-demo';
/** About 20 ms of generation between two turns of the event loop. */
const PAUSE_EVERY_CALLS = 2_000;

export function planDemo(options: DemoOptions): DemoPlan {
  const days = planDays(options.calls, options.months ?? 3, options.end ?? Date.now());
  const spikeDay = days[spikeDayIndex(days)]!;
  // Two afternoon incidents, at a fifth and at a half of the period.
  const incidentHours = [days[Math.floor(days.length * 0.2)], days[Math.floor(days.length * 0.5)]]
    .filter((day): day is DemoDay => day !== undefined && day.hours > 16)
    .map((day) => day.start + 15 * HOUR_MS);
  return { days, spikeDay, incidentHours, userCount: userCountFor(options.calls) };
}

export function demoPrices(at: number): Map<string, MicroPrices> {
  return new Map(Object.values(DEMO_MODELS).map((model) => [model.model, catalogPrices(model, new Date(at))]));
}

export async function* generateDemo(options: DemoOptions): AsyncGenerator<RowBatch> {
  const seed = options.seed ?? DEFAULT_DEMO_SEED;
  const batchSize = options.batchSize ?? 10_000;
  const plan = planDemo(options);
  const end = plan.days.length > 0 ? plan.days[plan.days.length - 1]!.start + plan.days[plan.days.length - 1]!.hours * HOUR_MS : 0;
  const prices = demoPrices(end);
  const population = new Population(seed, plan.userCount, plan.days.length);
  const random = new Random(`${seed}:traffic`);
  const clock = new DayClock();
  const featureNames = Object.keys(FEATURE_WEIGHTS) as FeatureName[];
  const features = new WeightedIndex(featureNames.map((name) => FEATURE_WEIGHTS[name]));
  const incidents = new Set(plan.incidentHours);

  let out = emptyBatch();
  let nextPause = PAUSE_EVERY_CALLS;
  for (const day of plan.days) {
    let remaining = day.calls;
    while (remaining > 0) {
      const feature = featureNames[features.sample(random)]!;
      const offline = OFFLINE_FEATURES.includes(feature);
      // Offline jobs run in the night window; interactive traffic follows the hour profile.
      const start = offline && day.hours > 5 ? day.start + HOUR_MS + Math.floor(random.next() * 4 * HOUR_MS) : clock.at(random, day);
      const user = offline ? null : population.sample(random, day.index);
      const ctx: FeatureContext = {
        random,
        projectId: options.projectId,
        prices,
        traceId: random.id128(),
        user,
        sessionId: user ? sessionId(user, start) : '',
        environment: random.chance(0.03) ? 'staging' : 'production',
        errorFactor: incidents.has(Math.floor(start / HOUR_MS) * HOUR_MS) ? 15 : 1,
        remaining,
        out,
        start,
        spike: day === plan.spikeDay,
      };
      out.traces.push({
        project_id: options.projectId,
        id: ctx.traceId,
        timestamp: start,
        name: feature,
        user_id: user?.id ?? '',
        session_id: ctx.sessionId,
        environment: ctx.environment,
        tags: user ? [`plan:${user.plan}`] : ['offline'],
        metadata: user ? { customer: user.customer } : {},
        retention_days: 0,
        version: ingestedAt(start),
      });
      FEATURE_BUILDERS[feature](ctx);
      remaining = ctx.remaining;
      // Hand the event loop back now and then: a server loading the demo keeps answering meanwhile.
      if (out.calls.length >= nextPause) {
        nextPause = out.calls.length + PAUSE_EVERY_CALLS;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      if (out.calls.length >= batchSize) {
        yield out;
        out = emptyBatch();
        nextPause = PAUSE_EVERY_CALLS;
      }
    }
  }
  if (out.calls.length > 0 || out.traces.length > 0) yield out;
}
