import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatInZone, nextRun, parseCron } from './cron-schedule.ts';

/** The next `n` run times after `from`, as ISO strings. */
function runs(schedule: string, from: string, n = 3, zone?: string): string[] {
  const out: string[] = [];
  let t = new Date(from);
  for (let i = 0; i < n; i++) out.push((t = nextRun(schedule, zone, t)).toISOString());
  return out;
}

describe('cron schedules', () => {
  test('steps, ranges and lists', () => {
    assert.deepEqual(runs('*/15 * * * *', '2026-03-07T12:34:56Z'), ['2026-03-07T12:45:00.000Z', '2026-03-07T13:00:00.000Z', '2026-03-07T13:15:00.000Z']);
    assert.deepEqual(runs('5,10-12 3 * * *', '2026-03-07T03:06:00Z'), ['2026-03-07T03:10:00.000Z', '2026-03-07T03:11:00.000Z', '2026-03-07T03:12:00.000Z']);
    assert.deepEqual(runs('0 1-10/4 * * *', '2026-03-07T00:00:00Z'), ['2026-03-07T01:00:00.000Z', '2026-03-07T05:00:00.000Z', '2026-03-07T09:00:00.000Z']);
    assert.deepEqual(runs('30 2/12 * * *', '2026-03-07T00:00:00Z', 2), ['2026-03-07T02:30:00.000Z', '2026-03-07T14:30:00.000Z']);
  });

  test('strictly after: a run exactly at `after` is not returned', () => {
    assert.equal(nextRun('0 * * * *', undefined, new Date('2026-03-07T12:00:00Z')).toISOString(), '2026-03-07T13:00:00.000Z');
  });

  test('month and weekday names, 7 as Sunday, descriptors', () => {
    assert.deepEqual(runs('0 0 1 jan,JUL *', '2026-03-07T00:00:00Z', 2), ['2026-07-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z']);
    assert.deepEqual(runs('0 9 * * MON-FRI', '2026-03-06T10:00:00Z', 2), ['2026-03-09T09:00:00.000Z', '2026-03-10T09:00:00.000Z']);
    assert.deepEqual(runs('0 0 * * 7', '2026-03-07T00:00:00Z', 1), ['2026-03-08T00:00:00.000Z']);
    assert.deepEqual(runs('@weekly', '2026-03-07T00:00:00Z', 1), runs('0 0 * * 0', '2026-03-07T00:00:00Z', 1));
    assert.deepEqual(runs('@hourly', '2026-03-07T00:10:00Z', 1), ['2026-03-07T01:00:00.000Z']);
  });

  test('day-of-month and day-of-week: either matches when both are restricted, both when one is *', () => {
    // The 13th, or any Friday.
    assert.deepEqual(runs('0 12 13 * FRI', '2026-03-07T00:00:00Z', 3), ['2026-03-13T12:00:00.000Z', '2026-03-20T12:00:00.000Z', '2026-03-27T12:00:00.000Z']);
    assert.deepEqual(runs('0 12 13 * *', '2026-03-07T00:00:00Z', 2), ['2026-03-13T12:00:00.000Z', '2026-04-13T12:00:00.000Z']);
  });

  test('time zones, including a daylight-saving gap', () => {
    assert.deepEqual(runs('0 9 * * *', '2026-03-07T00:00:00Z', 3, 'America/New_York'), ['2026-03-07T14:00:00.000Z', '2026-03-08T13:00:00.000Z', '2026-03-09T13:00:00.000Z']);
    // 02:30 does not exist in New York on 2026-03-08: croner runs it once the clocks have jumped (03:30 EDT).
    assert.deepEqual(runs('30 2 * * *', '2026-03-07T12:00:00Z', 2, 'America/New_York'), ['2026-03-08T07:30:00.000Z', '2026-03-09T06:30:00.000Z']);
    assert.deepEqual(runs('0 * * * *', '2026-03-07T00:10:00Z', 1, 'Asia/Kolkata'), ['2026-03-07T00:30:00.000Z']);
  });

  test('invalid schedules are refused', () => {
    assert.throws(() => parseCron('* * * *'), /exactly 5 fields/);
    assert.throws(() => parseCron('60 * * * *'));
    assert.throws(() => parseCron('*/0 * * * *'));
    assert.throws(() => parseCron('0 0 * FOO *'));
    assert.throws(() => parseCron('* * * * * *'), /exactly 5 fields/);
    assert.throws(() => parseCron('@every 5m'), /descriptor/);
    assert.throws(() => nextRun('0 0 30 2 *', undefined, new Date('2026-01-01T00:00:00Z')), /no time matches/);
  });

  test('RFC 3339 in a time zone, as the scheduled-timestamp annotation is written', () => {
    const t = new Date('2026-03-09T13:00:00Z');
    assert.equal(formatInZone(t, undefined), '2026-03-09T13:00:00Z');
    assert.equal(formatInZone(t, 'America/New_York'), '2026-03-09T09:00:00-04:00');
    assert.equal(formatInZone(t, 'Asia/Kolkata'), '2026-03-09T18:30:00+05:30');
    assert.equal(formatInZone(t, 'Europe/London'), '2026-03-09T13:00:00Z');
  });
});
