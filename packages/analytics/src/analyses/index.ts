// The analyses of CONTRACT.md "Analyses": one function each, `(ctx, params) => data`, and the registry
// the public API dispatches on (name → parameter schema + function).
import type { z } from 'zod';
import { cacheAnalysis, ZCacheParams } from './cache.ts';
import type { AnalysisContext } from './context.ts';
import { efficiency, ZEfficiencyParams } from './efficiency.ts';
import { forecast, ZForecastParams } from './forecast.ts';
import { modelMix, ZModelMixParams } from './model-mix.ts';
import { promptAnatomy, ZPromptAnatomyParams } from './prompt-anatomy.ts';
import { spendBridge, ZSpendBridgeParams } from './spend-bridge.ts';
import { unitEconomics, ZUnitEconomicsParams } from './unit-economics.ts';
import { waste, ZWasteParams } from './waste.ts';

export * from './cache.ts';
export * from './context.ts';
export * from './efficiency.ts';
export * from './forecast.ts';
export * from './model-mix.ts';
export * from './prompt-anatomy.ts';
export * from './spend-bridge.ts';
export * from './unit-economics.ts';
export * from './waste.ts';
export * from './what-if.ts';
export { modelRates, type ModelRates } from './pricer.ts';

export interface AnalysisDefinition {
  schema: z.ZodObject;
  run: (ctx: AnalysisContext, params: never) => Promise<unknown>;
}

/**
 * An analysis' statements run back to back (ClickHouse.together): under ingestion the loader waits
 * for the analysis once, instead of the analysis waiting for a loader turn before each statement.
 */
function inOneTurn<P>(run: (ctx: AnalysisContext, params: P) => Promise<unknown>): AnalysisDefinition['run'] {
  return (ctx, params) => ctx.ch.together(() => run(ctx, params));
}

/** `GET /api/public/analyses/{name}`: every analysis served by name. */
export const ANALYSES: Record<string, AnalysisDefinition> = {
  'spend-bridge': { schema: ZSpendBridgeParams, run: inOneTurn(spendBridge) },
  'model-mix': { schema: ZModelMixParams, run: inOneTurn(modelMix) },
  'prompt-anatomy': { schema: ZPromptAnatomyParams, run: inOneTurn(promptAnatomy) },
  cache: { schema: ZCacheParams, run: inOneTurn(cacheAnalysis) },
  waste: { schema: ZWasteParams, run: inOneTurn(waste) },
  forecast: { schema: ZForecastParams, run: inOneTurn(forecast) },
  'unit-economics': { schema: ZUnitEconomicsParams, run: inOneTurn(unitEconomics) },
  efficiency: { schema: ZEfficiencyParams, run: inOneTurn(efficiency) },
};
