export * from './client.ts';
export * from './query.ts';
export * from './migrate.ts';
export * from './event-log.ts';
export * from './loader.ts';
export * from './writer.ts';
export * from './calls-upsert.ts';
export * from './insert-ceiling.ts';
export { CALL_COLUMNS, DELTA_COLUMNS, insertCalls } from './table-columns.ts';
