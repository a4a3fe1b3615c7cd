/**
 * Exact decimal strings for money. Providers send JSON numbers (binary floats); the shortest round-trip
 * representation JavaScript prints for them is the decimal the provider wrote (`12.34`, never
 * `12.339999…`), so converting through `String(number)` and normalising is exact for every amount a
 * provider can express with ≤ 15 significant digits. No arithmetic is ever done on floats.
 */

const DECIMAL = /^-?\d+(\.\d+)?$/;

export function isDecimalString(value: string): boolean {
  return DECIMAL.test(value);
}

/** `12.3` → `"12.30"`, `-0` → `"0.00"`, `1e-7` → exact expansion; at least `minScale` decimals. */
export function decimalFromNumber(value: number, minScale = 2): string {
  if (!Number.isFinite(value)) throw new RangeError(`Not a finite amount: ${value}`);
  return normalizeDecimal(expandExponent(String(value)), minScale);
}

/** Flips the sign of a decimal string without going through floating point. */
export function negateDecimal(value: string): string {
  if (!isDecimalString(value)) throw new RangeError(`Not a decimal: ${value}`);
  if (/^-?0+(\.0+)?$/.test(value)) return value.replace('-', '');
  return value.startsWith('-') ? value.slice(1) : `-${value}`;
}

export function normalizeDecimal(value: string, minScale = 2): string {
  if (!isDecimalString(value)) throw new RangeError(`Not a decimal: ${value}`);
  const negative = value.startsWith('-');
  const [integerRaw = '0', fractionRaw = ''] = (negative ? value.slice(1) : value).split('.');
  const integer = integerRaw.replace(/^0+(?=\d)/, '');
  let fraction = fractionRaw.replace(/0+$/, '');
  if (fraction.length < minScale) fraction = fraction.padEnd(minScale, '0');
  const body = fraction.length > 0 ? `${integer}.${fraction}` : integer;
  const isZero = /^0+(\.0+)?$/.test(body);
  return negative && !isZero ? `-${body}` : body;
}

function expandExponent(text: string): string {
  const match = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/i.exec(text);
  if (!match) return text;
  const [, sign = '', whole = '', fraction = '', exponentText = '0'] = match;
  const exponent = Number(exponentText);
  const digits = whole + fraction;
  const point = whole.length + exponent;
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}
