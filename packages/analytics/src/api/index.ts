// Framework-agnostic handlers of the public metrics, generations and traces API (apps/web mounts
// them behind key auth), with the zod schema of each query and answer.
export * from './errors.ts';
export * from './query-params.ts';
export * from './render.ts';
export * from './metrics.ts';
export * from './generations.ts';
export * from './trace.ts';
export * from './analyses.ts';
