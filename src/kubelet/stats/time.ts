import { nowTimestamp } from '../../api/object.ts';

/** metav1.Time on the wire (RFC 3339 at second precision) from Unix nanoseconds, as CRI times are. */
export function nanosToTime(nanos: number): string {
  return nowTimestamp(new Date(Math.floor(nanos / 1e6)));
}
