import { Cron } from 'croner';

/**
 * CronJob schedules, evaluated with `croner` (the library ARCHITECTURE.md chose): five fields
 * minute hour day-of-month month day-of-week with lists, ranges, steps and names, the @hourly /
 * @daily / @weekly / @monthly / @yearly descriptors, and an IANA time zone in which the fields are
 * read. Kubernetes (robfig/cron ParseStandard) accepts exactly five fields, so six-field (seconds)
 * patterns are refused here even though croner knows them. When both day fields are restricted a
 * day matches either (croner's legacy mode, the Vixie cron rule Kubernetes follows).
 */

/** A parsed schedule. */
export interface CronSchedule {
  readonly pattern: string;
}

const DESCRIPTORS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

/** Parses a standard cron expression; throws an Error naming the problem. */
export function parseCron(schedule: string): CronSchedule {
  const text = schedule.trim();
  if (text.startsWith('@')) {
    if (!DESCRIPTORS.has(text.toLowerCase())) throw new Error(`unrecognized descriptor: ${text}`);
  } else {
    const fields = text.split(/\s+/);
    if (fields.length !== 5) throw new Error(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
  }
  const pattern = text.toLowerCase() === '@midnight' ? '@daily' : text;
  // Constructing validates the pattern (croner throws on a malformed field).
  new Cron(pattern, { paused: true, legacyMode: true });
  return { pattern };
}

/**
 * The first time strictly after `after` that the schedule fires, read in `timeZone` (UTC when
 * absent). Throws for an unparseable schedule, an unknown time zone, or a schedule that never
 * fires (`0 0 30 2 *`).
 */
export function nextRun(schedule: string | CronSchedule, timeZone: string | undefined, after: Date): Date {
  const { pattern } = typeof schedule === 'string' ? parseCron(schedule) : schedule;
  const next = new Cron(pattern, { paused: true, legacyMode: true, timezone: timeZone || 'UTC' }).nextRun(after);
  if (!next) throw new Error(`no time matches the schedule after ${after.toISOString()}`);
  return next;
}

const FORMATS = new Map<string, Intl.DateTimeFormat>();

/** The offset of `timeZone` from UTC at `instant`, in milliseconds. */
function zoneOffset(timeZone: string, instant: number): number {
  let format = FORMATS.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    FORMATS.set(timeZone, format);
  }
  const parts = format.formatToParts(new Date(instant));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)!.value);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(instant / 1000) * 1000;
}

/**
 * `date` as RFC 3339 in `timeZone` (Go's `t.In(loc).Format(time.RFC3339)`): second precision,
 * `Z` for a zero offset, otherwise the zone's offset at that instant (`2026-03-09T09:00:00-04:00`).
 */
export function formatInZone(date: Date, timeZone: string | undefined): string {
  const zone = timeZone || 'UTC';
  const instant = Math.floor(date.getTime() / 1000) * 1000;
  const offset = zoneOffset(zone, instant);
  const wall = new Date(instant + offset).toISOString().slice(0, 19);
  // Go's Z07:00 layout writes Z for any zero offset (London in winter too).
  if (offset === 0) return `${wall}Z`;
  const minutes = Math.abs(offset) / 60_000;
  const sign = offset < 0 ? '-' : '+';
  return `${wall}${sign}${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}
