// What every analysis runs with, and the errors it answers with instead of throwing at the caller.
import type { ClickHouse } from '@margin/clickhouse';
import type { Pricer } from '@margin/core';

export interface AnalysisContext {
  ch: ClickHouse;
  projectId: string;
  /**
   * Prices models a what-if routes calls to (the project's own prices, then the catalog). Absent:
   * the model's newest prices stored on this project's calls, then the default catalog.
   */
  pricer?: Pricer;
  /**
   * `raw` reads every sum from the deduplicated raw calls instead of the rollups (the tests compare
   * both); default: the rollups for whole hours.
   */
  source?: 'auto' | 'raw';
}

/** A parameter that is well-formed but cannot be answered, e.g. a `to_model` without a known price. */
export class AnalysisParameterError extends Error {
  constructor(
    readonly parameter: string,
    readonly what: string,
  ) {
    super(`${parameter}: ${what}`);
  }
}
