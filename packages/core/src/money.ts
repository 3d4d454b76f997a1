// Exact USD arithmetic on decimal strings: money never passes through a JavaScript float.
import DecimalJs from 'decimal.js';

/** decimal.js with enough digits for any token count times any price; half-up like an invoice. */
export const Dec = DecimalJs.clone({ precision: 40, rounding: DecimalJs.ROUND_HALF_UP, toExpNeg: -40, toExpPos: 40 });
export type Dec = InstanceType<typeof Dec>;

/** Places of the stored cost columns (ClickHouse Decimal64(12)). */
export const COST_PLACES = 12;
/** Places of the stored price columns, USD per 1M tokens (ClickHouse Decimal64(9)). */
export const PRICE_PLACES = 9;

export const ZERO_COST = '0.000000000000';
export const ZERO_PRICE = '0.000000000';

const DECIMAL_STRING = /^-?\d+(\.\d+)?$/;

/** True for a plain decimal string such as "0.15" or "12" (no exponent, no sign but minus). */
export const isDecimalString = (value: string): boolean => DECIMAL_STRING.test(value);

/** A decimal from a string or a JSON number; a number goes through its shortest string, so 0.1 is 0.1. */
export const toDec = (value: string | number | Dec): Dec => (typeof value === 'number' ? new Dec(String(value)) : new Dec(value));

/** A cost as stored: a plain decimal string with 12 places. */
export const toCost = (value: string | number | Dec): string => toDec(value).toFixed(COST_PLACES);

/** A price per 1M tokens as stored: a plain decimal string with 9 places. */
export const toPrice = (value: string | number | Dec): string => toDec(value).toFixed(PRICE_PLACES);

/** Render at the edge: `roundUsd("0.000435000000", 4)` is "0.0004" (half up). */
export const roundUsd = (value: string, places: number): string => new Dec(value).toFixed(places);

/** Exact sum of decimal strings, with `places` places (12 by default). */
export const sumUsd = (values: readonly string[], places: number = COST_PLACES): string =>
  values.reduce((sum, v) => sum.plus(v), new Dec(0)).toFixed(places);

/** Exact a + b, with `places` places (12 by default). */
export const addUsd = (a: string, b: string, places: number = COST_PLACES): string => new Dec(a).plus(b).toFixed(places);

/** Compare two decimal strings: -1, 0 or 1. */
export const compareUsd = (a: string, b: string): number => new Dec(a).comparedTo(b);

/** A decimal string as a JS number, only for display or charts, never for sums. */
export const usdToNumber = (value: string): number => Number(value);
