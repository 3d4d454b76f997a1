// The types of the pricer: what a call asks for and the cost columns it gets back.
import type { CallRow } from '../rows.ts';

/** A project's own price (Postgres `ModelPrice`), USD per 1M tokens as decimal strings. */
export interface ProjectPrice {
  modelName: string;
  /** Regex over the whole model name, case-insensitive. */
  matchPattern: string;
  inputPrice: string;
  outputPrice: string;
  /** Absent: cache reads cost the input price. */
  cacheReadPrice?: string | null;
  /** Absent: cache writes cost the input price. */
  cacheWritePrice?: string | null;
  /** Fraction taken off for batch calls, "0.5" = half price. Absent: 0.5. */
  batchDiscount?: string | null;
  /** The price applies to calls at or after this instant. */
  startDate: Date;
}

/** Tokens as stored: input includes cache reads and writes, output includes reasoning. */
export interface PriceUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
}

export interface PriceRequest {
  model: string;
  /** Provider hint (`openai`, `anthropic`, ...); empty or absent: found from the model name. */
  provider?: string | null;
  /** Call time, epoch ms or a Date: prices change over time. */
  timestamp: number | Date;
  usage: PriceUsage;
  /** Sent through a provider's batch API. */
  batch?: boolean;
  /** The client's own cost, USD (decimal string or JSON number): taken as given. */
  clientCostTotal?: string | number | null;
}

/** The cost columns of a CallRow. */
export type CallCost = Pick<
  CallRow,
  | 'cost_input'
  | 'cost_output'
  | 'cost_cache_read'
  | 'cost_cache_write'
  | 'cost_total'
  | 'price_source'
  | 'input_price'
  | 'output_price'
  | 'cache_read_price'
  | 'cache_write_price'
>;

export interface Pricer {
  price(request: PriceRequest): CallCost;
}
