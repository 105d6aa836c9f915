/**
 * Which scheduled time a CronJob owes a Job for (pkg/controller/cronjob/utils.go
 * mostRecentScheduleTime): the latest schedule time not after now, counted from the last
 * schedule time (or the CronJob's creation), but no earlier than now - startingDeadlineSeconds.
 */
import { nextRun, type CronSchedule } from './cron-schedule.ts';
import type { CronJob } from './job-types.ts';

/** More missed start times than this earn a TooManyMissedTimes warning. */
export const TOO_MANY_MISSED = 100;

/** The most recent unmet schedule time (if any) and how many were missed since the earliest time. */
export interface RecentSchedule {
  time?: Date;
  missed: number;
}

/**
 * The most recent schedule time in (earliest, now], with the number of schedule times in that
 * window. Like Kubernetes it estimates a long backlog from the interval between the first two
 * times instead of walking every one of them, then walks forward to the exact latest time.
 */
export function mostRecentScheduleTime(cj: CronJob, sched: CronSchedule, now: number): RecentSchedule {
  let earliest = Date.parse(cj.status?.lastScheduleTime ?? cj.metadata.creationTimestamp ?? new Date(now).toISOString());
  const deadline = cj.spec.startingDeadlineSeconds;
  if (deadline !== undefined && deadline !== null) earliest = Math.max(earliest, now - deadline * 1000);
  const zone = cj.spec.timeZone;
  const t1 = nextRun(sched, zone, new Date(earliest));
  if (t1.getTime() > now) return { missed: 0 };
  const t2 = nextRun(sched, zone, t1);
  if (t2.getTime() > now) return { time: t1, missed: 1 };
  const interval = Math.max(1000, Math.round((t2.getTime() - t1.getTime()) / 1000) * 1000);
  const missed = Math.floor((now - t1.getTime()) / interval) + 1;
  // Walk the last stretch exactly (irregular schedules such as weekdays only differ from the estimate).
  let recent = missed > TOO_MANY_MISSED ? new Date(Math.max(t1.getTime(), now - 10 * interval)) : t1;
  if (recent.getTime() !== t1.getTime()) recent = nextRun(sched, zone, new Date(recent.getTime() - 1000));
  for (let next = nextRun(sched, zone, recent); next.getTime() <= now; next = nextRun(sched, zone, next)) recent = next;
  if (recent.getTime() > now) return { time: t2, missed };
  return { time: recent, missed };
}
