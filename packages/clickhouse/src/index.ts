export * from './client.ts';
export * from './query.ts';
export * from './migrate.ts';
