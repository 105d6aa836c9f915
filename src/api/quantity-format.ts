/**
 * resource.Quantity's canonical String() for a number, shared by every place that prints
 * computed quantities (quota usage, metrics.k8s.io usage).
 */

const DECIMAL_SUFFIXES: [number, string][] = [[18, 'E'], [15, 'P'], [12, 'T'], [9, 'G'], [6, 'M'], [3, 'k'], [0, ''], [-3, 'm'], [-6, 'u'], [-9, 'n']];
const BINARY_SUFFIXES: [bigint, string][] = [[1n << 60n, 'Ei'], [1n << 50n, 'Pi'], [1n << 40n, 'Ti'], [1n << 30n, 'Gi'], [1n << 20n, 'Mi'], [1n << 10n, 'Ki']];

/**
 * The canonical string of a quantity (Quantity.String): binary SI with the largest exact suffix
 * when the value is a whole number of bytes and the format is binary (`1234Ki`; a value that no
 * suffix divides prints plain), otherwise decimal SI with the largest suffix that keeps the
 * mantissa whole (`300m`, `1500m`, `2k`, `123456789n`). Zero is `0`.
 */
export function formatQuantity(value: number, binary: boolean): string {
  if (value === 0) return '0';
  if (binary && Number.isInteger(value) && Math.abs(value) >= 1024) {
    const whole = BigInt(value);
    for (const [unit, suffix] of BINARY_SUFFIXES) if (whole % unit === 0n) return `${whole / unit}${suffix}`;
    return String(whole);
  }
  return decimalFromNanos(Number.isInteger(value) ? BigInt(value) * 1_000_000_000n : BigInt(Math.round(value * 1e9)));
}

/** CPU given in nanocores as a Quantity (metrics-server's resource.NewScaledQuantity(n, resource.Nano)). */
export function formatNanoCores(nanoCores: number): string {
  return decimalFromNanos(BigInt(Math.round(nanoCores)));
}

function decimalFromNanos(nanos: bigint): string {
  if (nanos === 0n) return '0';
  for (const [exp, suffix] of DECIMAL_SUFFIXES) {
    const unit = 10n ** BigInt(exp + 9);
    if (nanos % unit === 0n) return `${nanos / unit}${suffix}`;
  }
  return `${nanos}n`;
}
