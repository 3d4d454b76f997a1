export * from './rows.ts';
export * from './money.ts';

export * from './events/fields.ts';
export * from './events/generation.ts';
export * from './events/span.ts';
export * from './events/trace.ts';
export * from './events/score.ts';
export * from './events/envelope.ts';
export * from './events/parse-batch.ts';

export * from './normalise/context.ts';
export * from './normalise/content.ts';
export * from './normalise/usage.ts';
export * from './normalise/to-call-row.ts';
export * from './normalise/to-span-row.ts';
export * from './normalise/to-rows.ts';

export * from './pricing/types.ts';
export * from './pricing/catalog.ts';
export * from './pricing/model-price-input.ts';
export * from './pricing/project-prices.ts';
export * from './pricing/create-pricer.ts';
