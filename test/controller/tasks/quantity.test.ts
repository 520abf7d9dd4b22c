import { describe, expect, it } from 'vitest';
import { compareQuantities, parseQuantity } from '../../../controller/tasks/quantity';

const value = (q: string) => {
  const { numerator, denominator } = parseQuantity(q);
  return Number(numerator) / Number(denominator);
};

describe('parseQuantity / compareQuantities', () => {
  it.each([
    ['0', 0],
    ['1', 1],
    ['+2', 2],
    ['-3', -3],
    ['1.5', 1.5],
    ['.5', 0.5],
    ['5.', 5],
    ['100m', 0.1],
    ['250m', 0.25],
    ['1500u', 0.0015],
    ['2n', 2e-9],
    ['1k', 1e3],
    ['1M', 1e6],
    ['1G', 1e9],
    ['1T', 1e12],
    ['1P', 1e15],
    ['2E', 2e18],
    ['1Ki', 1024],
    ['1Mi', 1024 ** 2],
    ['1.5Gi', 1.5 * 1024 ** 3],
    ['2000Gi', 2000 * 1024 ** 3],
    ['40Ti', 40 * 1024 ** 4],
    ['1Pi', 1024 ** 5],
    ['1Ei', 1024 ** 6],
    ['1e3', 1e3],
    ['1E3', 1e3],
    ['12e-2', 0.12],
    ['1.5e+2', 150],
  ])('%s = %d', (q, expected) => {
    expect(value(q)).toBeCloseTo(expected, 12);
  });

  it('is exact where floating point is not', () => {
    expect(parseQuantity('0.1')).toEqual({ numerator: 1n, denominator: 10n });
    expect(parseQuantity('1Ei')).toEqual({ numerator: 2n ** 60n, denominator: 1n });
    expect(compareQuantities('9007199254740993', '9007199254740992')).toBe(1);
  });

  it('compares by value across suffixes', () => {
    expect(compareQuantities('2Ti', '2048Gi')).toBe(0);
    expect(compareQuantities('1Gi', '1073741824')).toBe(0);
    expect(compareQuantities('1k', '1e3')).toBe(0);
    expect(compareQuantities('500m', '0.5')).toBe(0);
    expect(compareQuantities('1.5Gi', '1500Mi')).toBe(1);
    expect(compareQuantities('1G', '1Gi')).toBe(-1);
    expect(compareQuantities('1999Gi', '2000Gi')).toBe(-1);
    expect(compareQuantities('40Ti', '2000Gi')).toBe(1);
    expect(compareQuantities('-1', '0')).toBe(-1);
  });

  it.each([
    '',
    'Gi',
    '1K',
    '1 Gi',
    '1gi',
    '1.2.3',
    '1e',
    '1e1.5',
    'abc',
    '--1',
    '1Gi ',
    '+',
  ])('rejects %j', (q) => {
    expect(() => parseQuantity(q)).toThrow(/invalid quantity/);
  });
});
