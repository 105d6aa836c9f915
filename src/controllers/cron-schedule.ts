/**
 * Standard cron schedules as CronJobs use them (robfig/cron/v3's ParseStandard, which Kubernetes
 * uses): five fields minute hour day-of-month month day-of-week with `*`, `?`, lists, ranges,
 * steps (`*\/5`, `1-30/2`, `3/10`), month and weekday names (JAN-DEC, SUN-SAT, 7 = Sunday), the
 * descriptors @yearly @annually @monthly @weekly @daily @midnight @hourly, and a time zone (IANA
 * name, via Intl) in which the fields are read. When both day fields are restricted a day matches
 * either; if either is `*` (or `?`) both must. Wall-clock times skipped by a DST change never
 * run. A stand-in for the `croner` package until it is added.
 */

/** A parsed schedule: the allowed values of each field. */
export interface CronSchedule {
  minutes: Set<number>;
  hours: Set<number>;
  daysOfMonth: Set<number>;
  months: Set<number>;
  daysOfWeek: Set<number>;
  /** Whether day-of-month or day-of-week was `*` or `?` (robfig's star bit). */
  domStar: boolean;
  dowStar: boolean;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

interface FieldSpec {
  min: number;
  max: number;
  names?: string[];
  /** Offset of names[0] (months are 1-based). */
  nameBase?: number;
}

const FIELDS: FieldSpec[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: MONTHS, nameBase: 1 },
  { min: 0, max: 7, names: DAYS, nameBase: 0 },
];

/** Parses a standard cron expression; throws an Error naming the problem (as robfig's parser would refuse it). */
export function parseCron(schedule: string): CronSchedule {
  const text = schedule.trim();
  const expanded = text.startsWith('@') ? DESCRIPTORS[text.toLowerCase()] : text;
  if (!expanded) throw new Error(`unrecognized descriptor: ${text}`);
  const parts = expanded.split(/\s+/);
  if (parts.length !== 5) throw new Error(`expected exactly 5 fields, found ${parts.length}: [${parts.join(' ')}]`);
  const sets = parts.map((p, i) => parseField(p, FIELDS[i]));
  const dow = sets[4];
  if (dow.has(7)) {
    dow.delete(7);
    dow.add(0);
  }
  return { minutes: sets[0], hours: sets[1], daysOfMonth: sets[2], months: sets[3], daysOfWeek: dow, domStar: isStar(parts[2]), dowStar: isStar(parts[4]) };
}

function isStar(field: string): boolean {
  return field === '*' || field === '?';
}

function parseField(field: string, spec: FieldSpec): Set<number> {
  const out = new Set<number>();
  for (const part of field.split(',')) {
    const [range, stepText, extra] = part.split('/');
    if (extra !== undefined) throw new Error(`too many slashes: ${part}`);
    let first: number;
    let last: number;
    if (range === '*' || range === '?') {
      [first, last] = [spec.min, spec.max];
    } else {
      const [a, b, more] = range.split('-');
      if (more !== undefined) throw new Error(`too many hyphens: ${part}`);
      first = value(a, spec);
      last = b === undefined ? (stepText === undefined ? first : spec.max) : value(b, spec);
    }
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step <= 0 || !/^\d+$/.test(stepText ?? '1')) throw new Error(`step must be a positive number: ${part}`);
    if (first < spec.min || last > spec.max || first > last) throw new Error(`end of range (${last}) out of bounds or below start (${first}): ${part}`);
    for (let v = first; v <= last; v += step) out.add(v);
  }
  return out;
}

function value(text: string, spec: FieldSpec): number {
  const index = spec.names?.indexOf(text.toLowerCase()) ?? -1;
  if (index >= 0) return index + (spec.nameBase ?? 0);
  if (!/^\d+$/.test(text)) throw new Error(`failed to parse int from ${text}`);
  const n = Number(text);
  if (n < spec.min || n > spec.max) throw new Error(`value (${n}) out of range [${spec.min}, ${spec.max}]`);
  return n;
}

/** Whether a wall-clock day matches the day fields (robfig's dayMatches). */
function dayMatches(s: CronSchedule, day: number, weekday: number): boolean {
  const dom = s.daysOfMonth.has(day);
  const dow = s.daysOfWeek.has(weekday);
  return s.domStar || s.dowStar ? dom && dow : dom || dow;
}

/** Formatters by time zone (building one is costly). */
const FORMATS = new Map<string, Intl.DateTimeFormat>();

/** Offset of `timeZone` from UTC at `instant`, in ms (wall = instant + offset). */
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

/** The instant of a wall-clock time in `timeZone`, or undefined when that time does not exist there (DST gap). */
function wallToInstant(wall: number, timeZone: string): number | undefined {
  let instant = wall - zoneOffset(timeZone, wall);
  instant = wall - zoneOffset(timeZone, instant);
  return instant + zoneOffset(timeZone, instant) === wall ? instant : undefined;
}

/**
 * The first time strictly after `after` that the schedule fires, read in `timeZone` (UTC when
 * absent). Throws for an unparseable schedule or an unknown time zone. Searches up to five years
 * ahead (as robfig does) and throws if nothing matches (for example `0 0 30 2 *`).
 */
export function nextRun(schedule: string | CronSchedule, timeZone: string | undefined, after: Date): Date {
  const s = typeof schedule === 'string' ? parseCron(schedule) : schedule;
  const zone = timeZone || 'UTC';
  const start = after.getTime();
  // Walk wall-clock minutes (as a UTC-based Date) skipping whole months, days and hours that cannot match.
  let wall = Math.floor((start + zoneOffset(zone, start)) / 60_000) * 60_000 + 60_000;
  const limit = wall + 5 * 366 * 86_400_000;
  while (wall < limit) {
    const d = new Date(wall);
    if (!s.months.has(d.getUTCMonth() + 1)) {
      wall = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
      continue;
    }
    if (!dayMatches(s, d.getUTCDate(), d.getUTCDay())) {
      wall = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
      continue;
    }
    if (!s.hours.has(d.getUTCHours())) {
      wall = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours() + 1);
      continue;
    }
    if (!s.minutes.has(d.getUTCMinutes())) {
      wall += 60_000;
      continue;
    }
    const instant = wallToInstant(wall, zone);
    if (instant !== undefined && instant > start) return new Date(instant);
    wall += 60_000;
  }
  throw new Error(`no time matches the schedule within five years after ${after.toISOString()}`);
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
