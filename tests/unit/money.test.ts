import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decimalFromNumber, negateDecimal, normalizeDecimal } from '../../shared/money/decimal';

describe('decimalFromNumber', () => {
  it.each([
    [12.34, '12.34'],
    [12.3, '12.30'],
    [0, '0.00'],
    [-0, '0.00'],
    [-5, '-5.00'],
    [0.1 + 0.2, '0.30000000000000004'],
    [1e-7, '0.0000001'],
    [1.5e21, '1500000000000000000000.00'],
    [1234567.891, '1234567.891'],
  ])('turns %s into %s', (input, expected) => {
    expect(decimalFromNumber(input)).toBe(expected);
  });

  it('rejects non-finite amounts', () => {
    expect(() => decimalFromNumber(Number.NaN)).toThrow(RangeError);
    expect(() => decimalFromNumber(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });

  it('round-trips every cent amount a provider can send', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1_000_000_000_00, max: 1_000_000_000_00 }), (cents) => {
        const decimal = decimalFromNumber(cents / 100);
        expect(Number(decimal)).toBe(cents / 100);
        expect(decimal).toMatch(/^-?\d+\.\d{2}$/);
      }),
    );
  });
});

describe('negateDecimal', () => {
  it('flips the sign without floating point', () => {
    expect(negateDecimal('12.34')).toBe('-12.34');
    expect(negateDecimal('-0.01')).toBe('0.01');
    expect(negateDecimal('0.00')).toBe('0.00');
    expect(negateDecimal('-0.00')).toBe('0.00');
    expect(negateDecimal('99999999999999999999.99')).toBe('-99999999999999999999.99');
  });

  it('rejects what is not a decimal', () => {
    expect(() => negateDecimal('12,34')).toThrow(RangeError);
  });
});

describe('normalizeDecimal', () => {
  it('trims leading zeros and pads the scale', () => {
    expect(normalizeDecimal('007.5')).toBe('7.50');
    expect(normalizeDecimal('-0.000')).toBe('0.00');
    expect(normalizeDecimal('10.1000', 0)).toBe('10.1');
  });
});
