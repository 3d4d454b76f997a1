// Filled in by the metrics work; see packages/analytics/src/metrics/.
export {};
