// Demo traffic: a deterministic generator of realistic rows and the sinks that load them.
export * from './generate.ts';
export * from './load-direct.ts';
export * from './ensure-demo-project.ts';
export { DEMO_MODELS, type DemoModel, type Tier } from './models.ts';
export { FEATURE_WEIGHTS, type FeatureName } from './traces.ts';
export * from './load-http.ts';
export { batchToEvents } from './to-events.ts';
