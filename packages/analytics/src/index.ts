export * from './metrics/index.ts';
export * from './analyses/index.ts';
export * from './demo/index.ts';
export * from './api/index.ts';
