// Filled in by the analyses work; see packages/analytics/src/analyses/.
export {};
