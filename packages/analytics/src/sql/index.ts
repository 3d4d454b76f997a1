// Shared SQL building blocks over calls: time range, filters, group-by expressions, deduplication.
export * from './time-range.ts';
export * from './filters.ts';
export * from './group-by.ts';
export * from './calls-source.ts';
export * from './trace-steps.ts';
