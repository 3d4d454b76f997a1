// Money at the edge: decimal strings become JSON numbers rounded to 1e-9 USD with decimal.js (never
// float arithmetic on sums). A double holds 15-17 significant digits, so amounts up to about
// $10^6 keep every nano-dollar; the decimal strings inside the product keep all of them.
import Decimal from 'decimal.js';

export function usdNumber(text: string): number {
  return new Decimal(text).toDecimalPlaces(9, Decimal.ROUND_HALF_UP).toNumber();
}
