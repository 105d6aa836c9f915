/**
 * Human-readable ages, as apimachinery's `duration.HumanDuration` prints them in every AGE column:
 * about two significant figures (`45s`, `3m20s`, `12m`, `5h3m`, `20h`, `3d4h`, `40d`, `2y10d`).
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * Formats a duration in milliseconds exactly as `duration.HumanDuration` does. Durations down to
 * -2s (exclusive) read as `0s` to tolerate clock skew between machines; earlier ones are `<invalid>`.
 */
export function humanDuration(ms: number): string {
  // Go truncates toward zero when converting a Duration to whole units.
  const seconds = Math.trunc(ms / SECOND);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(ms / MINUTE);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(ms / HOUR);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) {
    const d = days % 365;
    return d === 0 ? `${years}y` : `${years}y${d}d`;
  }
  return `${years}y`;
}

/** Parses an RFC 3339 timestamp (metav1.Time or MicroTime); undefined for absent or unparsable values. */
export function parseTime(timestamp: unknown): number | undefined {
  if (typeof timestamp !== 'string' || timestamp === '') return undefined;
  const ms = Date.parse(timestamp);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The clock a Table is printed against; `markAges` asks for {@link AgeCell}s instead of plain text. */
export interface AgeClock {
  now: number;
  /**
   * Set when the printed row is remembered and printed again later (see tables/remembered-row.ts):
   * ages then come back as AgeCell markers, so the row can be re-aged without printing it anew.
   */
  markAges?: boolean;
}

/**
 * A cell reading `before + humanDuration(now - from) + after`. It is a String object, so it
 * serializes as its text; `at(now)` gives the text at another clock.
 */
export class AgeCell extends String {
  constructor(
    readonly from: number,
    readonly before: string,
    readonly after: string,
    now: number,
  ) {
    super(before + humanDuration(now - from) + after);
  }

  at(now: number): string {
    return this.before + humanDuration(now - this.from) + this.after;
  }
}

/**
 * The age of `timestamp` on `clock`, as the printers' `translateTimestampSince`: `<unknown>` when the
 * timestamp is unset (the zero time in Go); an AgeCell when the clock marks ages.
 */
export function age(clock: AgeClock, timestamp: unknown): string {
  const ms = parseTime(timestamp);
  return ms === undefined ? '<unknown>' : elapsed(clock, ms);
}

/** The age of an object (its creationTimestamp) on `clock`: every AGE column. */
export function creationAge(clock: AgeClock, object: { metadata: { creationTimestamp?: string } }): string {
  return age(clock, object.metadata.creationTimestamp);
}

/** `before + humanDuration(now - from) + after` on `clock`; an AgeCell when the clock marks ages. */
export function elapsed(clock: AgeClock, from: number, before = '', after = ''): string {
  // Typed as text: JSON.stringify and template literals treat the String object as its text.
  return clock.markAges ? (new AgeCell(from, before, after, clock.now) as unknown as string) : before + humanDuration(clock.now - from) + after;
}
