/**
 * JSON forms of the apimachinery types whose Go JSON encoding is custom (MarshalJSON), given the
 * values decoded from their protobuf messages: metav1.Time, metav1.MicroTime, metav1.Duration.
 */

/**
 * metav1.Time as Kubernetes writes it in JSON: RFC 3339 in UTC with whole seconds
 * (`2006-01-02T15:04:05Z`); the nanoseconds kept in protobuf are dropped, as Go's
 * `Time.MarshalJSON` formats with `time.RFC3339`.
 */
export function formatTime(seconds: number, nanos: number): string {
  return isoSeconds(seconds + Math.floor(nanos / 1e9)) + 'Z';
}

/** metav1.MicroTime in JSON: RFC 3339 in UTC with exactly six fractional digits (`RFC3339Micro`). */
export function formatMicroTime(seconds: number, nanos: number): string {
  // Go's time.Unix normalises nanoseconds outside [0, 1e9) into the seconds.
  const carry = Math.floor(nanos / 1e9);
  const micros = Math.floor((nanos - carry * 1e9) / 1000);
  return `${isoSeconds(seconds + carry)}.${String(micros).padStart(6, '0')}Z`;
}

/** `YYYY-MM-DDTHH:MM:SS` for Unix seconds, without a zone suffix. */
function isoSeconds(seconds: number): string {
  const d = new Date(seconds * 1000);
  if (Number.isNaN(d.getTime())) throw new Error(`protobuf: time out of range (${seconds}s)`);
  const year = d.getUTCFullYear();
  if (year < 0 || year > 9999) throw new Error(`protobuf: time out of range (${seconds}s)`);
  return `${String(year).padStart(4, '0')}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}T${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
}

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

const UNITS_BELOW_SECOND: ReadonlyArray<[number, string]> = [[1e6, 'ms'], [1e3, 'µs'], [1, 'ns']];

/**
 * metav1.Duration in JSON: Go's `time.Duration.String()` of the nanosecond count
 * (`1h0m0s`, `1m30s`, `1.5s`, `100ms`, `0s`).
 */
export function formatDuration(nanoseconds: number): string {
  if (nanoseconds === 0) return '0s';
  const sign = nanoseconds < 0 ? '-' : '';
  const ns = Math.abs(nanoseconds);
  if (ns < 1e9) {
    // Below one second Go picks the largest unit that keeps the integer part non-zero.
    const [scale, unit] = UNITS_BELOW_SECOND.find(([s]) => ns >= s) ?? [1, 'ns'];
    return sign + withFraction(Math.floor(ns / scale), ns % scale, String(scale).length - 1) + unit;
  }
  const totalSeconds = Math.floor(ns / 1e9);
  const seconds = withFraction(totalSeconds % 60, ns % 1e9, 9) + 's';
  const totalMinutes = Math.floor(totalSeconds / 60);
  if (totalMinutes === 0) return sign + seconds;
  const hours = Math.floor(totalMinutes / 60);
  const minutes = `${totalMinutes % 60}m`;
  return sign + (hours > 0 ? `${hours}h` : '') + minutes + seconds;
}

/** `whole[.fraction]` with the fraction's trailing zeros trimmed, as Go's fmtFrac does. */
function withFraction(whole: number, fraction: number, digits: number): string {
  if (fraction === 0 || digits === 0) return String(whole);
  return `${whole}.${String(fraction).padStart(digits, '0').replace(/0+$/, '')}`;
}
