// Metrics: one definition per metric of CONTRACT.md, read from rollups or raw calls.
export * from './aggregates.ts';
export * from './registry.ts';
export * from './sources.ts';
export * from './plan.ts';
export * from './get-metrics.ts';
export * from './list-generations.ts';
export * from './get-trace.ts';
export * from './dashboard-queries.ts';
