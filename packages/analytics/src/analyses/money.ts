// Exact USD arithmetic for the analyses: decimal strings from ClickHouse into decimal.js, JSON numbers
// only at the edge, rounded to 1e-9 USD.
import Decimal from 'decimal.js';

/** decimal.js with room for any Σ tokens × price and the bridge's products of ratios. */
export const Dec = Decimal.clone({ precision: 60, rounding: Decimal.ROUND_HALF_UP, toExpNeg: -60, toExpPos: 60 });
export type Dec = InstanceType<typeof Dec>;

export const ZERO = new Dec(0);
export const MILLION = new Dec(1_000_000);

/** Places of USD in answers (1e-9). */
export const USD_PLACES = 9;

/** A decimal (or decimal string) rounded to 1e-9, as a decimal. */
export const roundUsd = (value: Dec | string): Dec => new Dec(value).toDecimalPlaces(USD_PLACES);

/** The edge: a USD amount as a JSON number, rounded to 1e-9 (half up). */
export const usd = (value: Dec | string): number => Number(roundUsd(value).toFixed(USD_PLACES));

/**
 * numerator / denominator as a JSON number, null when the denominator is zero: the metrics' ratio
 * (toFloat64(num) / toFloat64(den)), so an analysis and a metric answer the same double.
 */
export function ratio(numerator: Dec | string | number, denominator: Dec | string | number): number | null {
  const den = Number(String(denominator));
  return den === 0 ? null : Number(String(numerator)) / den;
}
