// A token bucket per key: `ratePerSecond` requests a second on average, bursts up to one second's worth.

export interface RateDecision {
  allowed: boolean;
  /** Seconds until one request is allowed again (only when refused). */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  take(key: string, ratePerSecond: number): RateDecision;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

export function createRateLimiter(options: { now?: () => number; maxBuckets?: number } = {}): RateLimiter {
  const now = options.now ?? (() => performance.now());
  const maxBuckets = options.maxBuckets ?? 100_000;
  const buckets = new Map<string, Bucket>();
  return {
    take(key, ratePerSecond) {
      if (!(ratePerSecond > 0)) return { allowed: true, retryAfterSeconds: 0 };
      const t = now();
      let bucket = buckets.get(key);
      if (!bucket) {
        // Bounded: forget the oldest bucket (a forgotten key starts full again, which only errs generous).
        if (buckets.size >= maxBuckets) buckets.delete(buckets.keys().next().value as string);
        bucket = { tokens: ratePerSecond, updatedMs: t };
        buckets.set(key, bucket);
      }
      bucket.tokens = Math.min(ratePerSecond, bucket.tokens + ((t - bucket.updatedMs) / 1000) * ratePerSecond);
      bucket.updatedMs = t;
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return { allowed: true, retryAfterSeconds: 0 };
      }
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / ratePerSecond)) };
    },
  };
}
