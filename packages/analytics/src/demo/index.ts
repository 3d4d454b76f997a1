// Filled in by the demo work; see packages/analytics/src/demo/.
export {};
