// Decimal strings in and out, exact where floats are not.
import { describe, expect, it } from 'vitest';
import { addUsd, compareUsd, roundUsd, sumUsd, toCost, toPrice } from '../src/index.ts';

describe('money helpers', () => {
  it('add exactly where floats do not', () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(addUsd('0.1', '0.2')).toBe('0.300000000000');
    expect(sumUsd(Array(10).fill('0.000000000001'))).toBe('0.000000000010');
  });

  it('render with fixed places, half up', () => {
    expect(roundUsd('0.000435000000', 9)).toBe('0.000435000');
    expect(roundUsd('1.005', 2)).toBe('1.01');
    expect(roundUsd('2.5', 0)).toBe('3');
    expect(toCost(0.1)).toBe('0.100000000000');
    expect(toPrice('1e-7')).toBe('0.000000100');
    expect(compareUsd('0.30', '0.3')).toBe(0);
    expect(compareUsd('0.31', '0.3')).toBe(1);
  });
});
