// Key authentication and rate limiting for every public API route (ingestion, metrics, analyses).
export * from './key-authenticator.ts';
export * from './rate-limiter.ts';
export * from './parse-credentials.ts';
