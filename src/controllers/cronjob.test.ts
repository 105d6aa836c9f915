import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cronJobController, jobNameFor } from './cronjob.ts';
import { CRONJOBS, JOBS, type CronJob, type Job } from './job-types.ts';
import { fixture } from './workload-fixtures.ts';

const iso = (t: number) => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
const at = (s: string) => Date.parse(s);

/** A CronJob as defaulted by the API, created at `created`. */
function cronJob(spec: Partial<CronJob['spec']> = {}, status: CronJob['status'] = {}, created = '2026-03-07T10:00:30Z'): CronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'hello', namespace: 'default', uid: 'uid-hello', creationTimestamp: created },
    spec: {
      schedule: '*/5 * * * *',
      concurrencyPolicy: 'Allow',
      suspend: false,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
      jobTemplate: { metadata: { labels: { team: 'a' } }, spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] } } } },
      ...spec,
    },
    status,
  };
}

/** A Job the CronJob created, finished with `outcome` (or running) and started at `start`. */
function childJob(name: string, outcome?: 'Complete' | 'Failed', start = '2026-03-07T09:00:00Z', completion?: string): Job {
  const job: Job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'hello', uid: 'uid-hello', controller: true, blockOwnerDeletion: true }] },
    spec: {},
    status: { startTime: start },
  };
  if (outcome) job.status!.conditions = [{ type: outcome, status: 'True' }];
  if (outcome === 'Complete') job.status!.completionTime = completion ?? start;
  return job;
}

const ref = (job: Job) => ({ kind: 'Job', namespace: 'default', name: job.metadata.name, uid: job.metadata.uid, apiVersion: 'batch/v1' });

describe('CronJob controller', () => {
  test('creates the Job of the most recent schedule time and requeues until the next', async () => {
    const now = at('2026-03-07T10:05:10Z');
    const f = await fixture([[CRONJOBS, [cronJob()]], [JOBS, []]]);
    const result = await cronJobController({ now: () => now }).reconcile(f.ctx, 'default/hello');
    const scheduled = at('2026-03-07T10:05:00Z');
    const name = `hello-${scheduled / 60_000}`;
    const create = f.client.writes().find((w) => w.verb === 'create')!;
    const job = create.object as Job;
    assert.equal(job.metadata.name, name);
    assert.deepEqual(job.metadata.labels, { team: 'a' });
    assert.deepEqual(job.metadata.annotations, { 'batch.kubernetes.io/cronjob-scheduled-timestamp': '2026-03-07T10:05:00Z' });
    assert.deepEqual(job.metadata.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'hello', uid: 'uid-hello', controller: true, blockOwnerDeletion: true }]);
    assert.equal((job.spec.template?.spec as { restartPolicy: string }).restartPolicy, 'OnFailure');
    assert.deepEqual(f.recorder.events, [`Normal SuccessfulCreate Created job ${name}`]);
    const cj = await f.client.get<CronJob>(CRONJOBS, 'default', 'hello');
    assert.equal(cj.status?.lastScheduleTime, '2026-03-07T10:05:00Z');
    assert.equal(cj.status?.active?.[0].name, name);
    assert.equal(cj.status?.active?.[0].kind, 'Job');
    assert.deepEqual(result, { requeueAfterMs: at('2026-03-07T10:10:00Z') - now + 100 });
  });

  test('before the first schedule time nothing is created; a processed time is not run twice', async () => {
    const f = await fixture([[CRONJOBS, [cronJob()]], [JOBS, []]]);
    const early = await cronJobController({ now: () => at('2026-03-07T10:03:00Z') }).reconcile(f.ctx, 'default/hello');
    assert.equal(f.client.writes().length, 0);
    assert.deepEqual(early, { requeueAfterMs: 2 * 60_000 + 100 });
    const done = await fixture([[CRONJOBS, [cronJob({}, { lastScheduleTime: '2026-03-07T10:05:00Z' })]], [JOBS, []]]);
    await cronJobController({ now: () => at('2026-03-07T10:07:00Z') }).reconcile(done.ctx, 'default/hello');
    assert.equal(done.client.writes().length, 0);
  });

  test('suspend creates nothing', async () => {
    const f = await fixture([[CRONJOBS, [cronJob({ suspend: true })]], [JOBS, []]]);
    const result = await cronJobController({ now: () => at('2026-03-07T11:00:10Z') }).reconcile(f.ctx, 'default/hello');
    assert.equal(f.client.writes().length, 0);
    assert.equal(result, undefined);
  });

  test('Forbid: no new Job while one is active', async () => {
    const running = childJob('hello-old');
    const f = await fixture([[CRONJOBS, [cronJob({ concurrencyPolicy: 'Forbid' }, { active: [ref(running)], lastScheduleTime: '2026-03-07T10:00:00Z' })]], [JOBS, [running]]]);
    await cronJobController({ now: () => at('2026-03-07T10:05:10Z') }).reconcile(f.ctx, 'default/hello');
    assert.equal(f.client.writes().length, 0);
    assert.deepEqual(f.recorder.events, ['Normal JobAlreadyActive Not starting job because prior execution is running and concurrency policy is Forbid']);
  });

  test('Replace: deletes the active Job, then creates the new one', async () => {
    const running = childJob('hello-old');
    const f = await fixture([[CRONJOBS, [cronJob({ concurrencyPolicy: 'Replace' }, { active: [ref(running)], lastScheduleTime: '2026-03-07T10:00:00Z' })]], [JOBS, [running]]]);
    await cronJobController({ now: () => at('2026-03-07T10:05:10Z') }).reconcile(f.ctx, 'default/hello');
    assert.deepEqual(f.client.writes().filter((w) => w.resource === 'jobs').map((w) => [w.verb, w.name]), [['delete', 'hello-old'], ['create', `hello-${at('2026-03-07T10:05:00Z') / 60_000}`]]);
    assert.equal(f.recorder.events[0], 'Normal SuccessfulDelete Deleted job hello-old');
    const cj = await f.client.get<CronJob>(CRONJOBS, 'default', 'hello');
    assert.deepEqual(cj.status?.active?.map((r) => r.name), [`hello-${at('2026-03-07T10:05:00Z') / 60_000}`]);
  });

  test('a finished active Job leaves status.active (SawCompletedJob) and sets lastSuccessfulTime; history limits delete the oldest', async () => {
    const ok = [1, 2, 3, 4].map((h) => childJob(`hello-ok${h}`, 'Complete', `2026-03-07T0${h}:00:00Z`, `2026-03-07T0${h}:01:00Z`));
    const failed = [1, 2].map((h) => childJob(`hello-bad${h}`, 'Failed', `2026-03-07T0${h}:30:00Z`));
    const cj = cronJob({ schedule: '0 * * * *' }, { active: [ref(ok[3])], lastScheduleTime: '2026-03-07T10:00:00Z' });
    const f = await fixture([[CRONJOBS, [cj]], [JOBS, [...ok, ...failed]]]);
    await cronJobController({ now: () => at('2026-03-07T10:30:00Z') }).reconcile(f.ctx, 'default/hello');
    assert.ok(f.recorder.events.includes('Normal SawCompletedJob Saw completed job: hello-ok4, condition: Complete'));
    const status = (await f.client.get<CronJob>(CRONJOBS, 'default', 'hello')).status!;
    assert.equal(status.active, undefined);
    assert.equal(status.lastSuccessfulTime, '2026-03-07T04:01:00Z');
    const deleted = f.client.writes().filter((w) => w.verb === 'delete').map((w) => w.name);
    assert.deepEqual(deleted, ['hello-ok1', 'hello-bad1']);
    assert.ok(f.recorder.events.includes('Normal SuccessfulDelete Deleted job hello-ok1'));
  });

  test('startingDeadlineSeconds: schedule times older than the deadline are skipped', async () => {
    const base = { schedule: '0 * * * *' };
    const last = { lastScheduleTime: '2026-03-07T08:00:00Z' };
    const now = at('2026-03-07T10:30:00Z');
    const strict = await fixture([[CRONJOBS, [cronJob({ ...base, startingDeadlineSeconds: 600 }, last)]], [JOBS, []]]);
    const result = await cronJobController({ now: () => now }).reconcile(strict.ctx, 'default/hello');
    assert.equal(strict.client.writes().length, 0, '10:00 is 30 minutes late, past the 10 minute deadline');
    assert.deepEqual(result, { requeueAfterMs: 30 * 60_000 + 100 });
    const lax = await fixture([[CRONJOBS, [cronJob(base, last)]], [JOBS, []]]);
    await cronJobController({ now: () => now }).reconcile(lax.ctx, 'default/hello');
    assert.equal(lax.client.writes().find((w) => w.verb === 'create')?.name, jobNameFor(cronJob(), new Date(at('2026-03-07T10:00:00Z'))));
    assert.equal(lax.recorder.events.length, 1);
  });

  test('more than 100 missed start times warns TooManyMissedTimes and runs only the latest', async () => {
    const created = '2026-03-07T00:00:30Z';
    const now = at('2026-03-07T03:20:10Z');
    const f = await fixture([[CRONJOBS, [cronJob({ schedule: '* * * * *' }, {}, created)]], [JOBS, []]]);
    await cronJobController({ now: () => now }).reconcile(f.ctx, 'default/hello');
    assert.equal(f.recorder.events[0], 'Warning TooManyMissedTimes too many missed start times: 200. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
    const creates = f.client.writes().filter((w) => w.verb === 'create');
    assert.equal(creates.length, 1);
    assert.equal(creates[0].name, `hello-${at('2026-03-07T03:20:00Z') / 60_000}`);
    assert.equal((await f.client.get<CronJob>(CRONJOBS, 'default', 'hello')).status?.lastScheduleTime, iso(at('2026-03-07T03:20:00Z')));
  });

  test('an unparseable schedule is reported and not retried', async () => {
    const f = await fixture([[CRONJOBS, [cronJob({ schedule: '* * *' })]], [JOBS, []]]);
    const result = await cronJobController({ now: () => at('2026-03-07T10:05:10Z') }).reconcile(f.ctx, 'default/hello');
    assert.equal(result, undefined);
    assert.match(f.recorder.events[0], /^Warning UnparseableSchedule unparseable schedule: "\* \* \*" : /);
  });
});
