/**
 * Kubernetes resource quantities (`resource.Quantity`), parsed exactly so sizes compare by value:
 * `2Ti` equals `2048Gi`, `1.5Gi` is more than `1500Mi`, `1e3` equals `1k`. Used by ensure-data-pvc
 * to compare an imported PVC's capacity with the size a node needs (reference-seinode.md §3.1).
 *
 * Grammar (k8s.io/apimachinery `resource.ParseQuantity`):
 * ```
 * <quantity>        ::= <signedNumber><suffix>
 * <signedNumber>    ::= [+-] ( <digits> | <digits>. | <digits>.<digits> | .<digits> )
 * <suffix>          ::= <binarySI> | <decimalExponent> | <decimalSI>
 * <binarySI>        ::= Ki | Mi | Gi | Ti | Pi | Ei
 * <decimalSI>       ::= n | u | m | "" | k | M | G | T | P | E
 * <decimalExponent> ::= ( e | E ) [+-] <digits>
 * ```
 * `E` alone is exa; `E` followed by digits is an exponent.
 */

/** An exact quantity: `numerator / denominator` (the denominator is always positive). */
export interface ExactQuantity {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

const BINARY_SI: Readonly<Record<string, bigint>> = {
  Ki: 1n << 10n,
  Mi: 1n << 20n,
  Gi: 1n << 30n,
  Ti: 1n << 40n,
  Pi: 1n << 50n,
  Ei: 1n << 60n,
};

/** Decimal SI suffixes as powers of ten. */
const DECIMAL_SI: Readonly<Record<string, number>> = {
  n: -9,
  u: -6,
  m: -3,
  '': 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};

const NUMBER = /^([+-]?)(\d+\.?\d*|\.\d+)(.*)$/;
const EXPONENT = /^[eE]([+-]?\d+)$/;

/**
 * Parses a quantity string exactly.
 *
 * @throws Error (message names the input) when `text` is not a valid quantity
 */
export function parseQuantity(text: string): ExactQuantity {
  const m = NUMBER.exec(text);
  if (!m) throw new Error(`invalid quantity ${JSON.stringify(text)}`);
  const [, sign = '', number = '', suffix = ''] = m;
  const [intPart = '', fracPart = ''] = number.split('.');
  let numerator = BigInt(`${intPart}${fracPart}` || '0');
  let denominator = 10n ** BigInt(fracPart.length);
  if (sign === '-') numerator = -numerator;

  const binary = BINARY_SI[suffix];
  const exponent = EXPONENT.exec(suffix);
  let power: number;
  if (binary !== undefined) {
    numerator *= binary;
    power = 0;
  } else if (exponent) {
    power = Number(exponent[1]);
    // resource.Quantity rejects exponents it cannot represent; so do we (and avoid huge BigInts).
    if (!Number.isSafeInteger(power) || Math.abs(power) > 1000)
      throw new Error(`invalid quantity ${JSON.stringify(text)}: exponent out of range`);
  } else if (Object.hasOwn(DECIMAL_SI, suffix)) {
    power = DECIMAL_SI[suffix] as number;
  } else {
    throw new Error(`invalid quantity ${JSON.stringify(text)}: unknown suffix ${JSON.stringify(suffix)}`);
  }
  if (power > 0) numerator *= 10n ** BigInt(power);
  else if (power < 0) denominator *= 10n ** BigInt(-power);
  return { numerator, denominator };
}

/** Compares two exact quantities: negative when `a < b`, 0 when equal, positive when `a > b`. */
export function compareExact(a: ExactQuantity, b: ExactQuantity): number {
  const left = a.numerator * b.denominator;
  const right = b.numerator * a.denominator;
  return left < right ? -1 : left > right ? 1 : 0;
}

/**
 * Compares two quantity strings by value: negative when `a < b`, 0 when equal, positive when
 * `a > b`.
 *
 * @throws Error when either is not a valid quantity
 */
export function compareQuantities(a: string, b: string): number {
  return compareExact(parseQuantity(a), parseQuantity(b));
}
