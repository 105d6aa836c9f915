import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { nowTimestamp } from '../api/object.ts';
import type { Controller } from '../machinery/controller.ts';
import { formatIndexes, parseIndexes } from './job-indexes.ts';
import { jobController } from './job.ts';
import { msUntilExpiry, ttlAfterFinishedController } from './job-ttl.ts';
import { JOB_TRACKING_FINALIZER, JOBS, type Job, type JobSpec } from './job-types.ts';
import { PODS } from './pod-control.ts';
import { fixture, resync, type Fixture } from './workload-fixtures.ts';
import type { Pod } from './workload-types.ts';

const T0 = Date.parse('2026-01-01T00:00:00Z');

/** A Job as the API stores it after defaulting and selector generation. */
function job(name: string, spec: Partial<JobSpec> = {}, status: Job['status'] = {}): Job {
  const labels = { 'batch.kubernetes.io/controller-uid': `uid-${name}`, 'batch.kubernetes.io/job-name': name, 'controller-uid': `uid-${name}`, 'job-name': name };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, generation: 1 },
    spec: {
      parallelism: 1,
      completions: 1,
      backoffLimit: 6,
      completionMode: 'NonIndexed',
      suspend: false,
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': `uid-${name}` } },
      template: { metadata: { labels }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } },
      ...spec,
    },
    status,
  };
}

const sync = (c: Controller, f: Fixture, name = 'default/pi') => c.reconcile(f.ctx, name);
const creates = (f: Fixture) => f.client.writes().filter((a) => a.verb === 'create').map((a) => a.object as Pod);
const lastStatus = async (f: Fixture, name = 'pi') => (await f.client.get<Job>(JOBS, 'default', name)).status!;

/** Sets the phase (and restarts) of pods in the fake API, then lets the cache catch up. */
async function setPhase(f: Fixture, names: string[], phase: string): Promise<Fixture> {
  for (const name of names) await f.client.patch(PODS, 'default', name, { status: { phase } }, { type: 'merge' });
  return resync(f, [JOBS, PODS]);
}

async function podNames(f: Fixture): Promise<string[]> {
  return (await f.client.list<Pod>(PODS)).items.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed').map((p) => p.metadata.name!);
}

describe('Job controller', () => {
  test('completions 4, parallelism 2: runs two at a time, counts through the finalizer, completes', async () => {
    const c = jobController({ now: () => T0 });
    let f = await fixture([[JOBS, [job('pi', { completions: 4, parallelism: 2 })]], [PODS, []]]);
    await sync(c, f);
    const first = creates(f);
    assert.equal(first.length, 2);
    assert.equal(first[0].metadata.generateName, 'pi-');
    assert.deepEqual(first[0].metadata.finalizers, [JOB_TRACKING_FINALIZER]);
    assert.equal(first[0].metadata.ownerReferences?.[0].kind, 'Job');
    assert.match(f.recorder.events[0], /^Normal SuccessfulCreate Created pod: pi-\w{5}$/);
    assert.deepEqual(await lastStatus(f), { active: 2, ready: 0, terminating: 0, startTime: nowTimestamp(new Date(T0)), uncountedTerminatedPods: {} });

    f = await setPhase(await resync(f, [JOBS, PODS]), await podNames(f), 'Succeeded');
    await sync(c, f);
    const statusWrites = f.client.writes().filter((a) => a.subresource === 'status').map((a) => (a.object as Job).status!);
    assert.equal(statusWrites[0].uncountedTerminatedPods?.succeeded?.length, 2, 'uids recorded before the finalizers go');
    assert.equal(f.client.writes().filter((a) => a.verb === 'patch').length, 2);
    assert.equal(creates(f).length, 2);
    assert.deepEqual(await lastStatus(f), { active: 2, succeeded: 2, ready: 0, terminating: 0, startTime: nowTimestamp(new Date(T0)), uncountedTerminatedPods: {} });
    const pods = (await f.client.list<Pod>(PODS)).items;
    assert.equal(pods.filter((p) => p.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER)).length, 2, 'only the running pods keep the finalizer');

    f = await setPhase(await resync(f, [JOBS, PODS]), await podNames(f), 'Succeeded');
    await sync(c, f);
    const done = await lastStatus(f);
    assert.equal(done.succeeded, 4);
    assert.equal(done.active, undefined);
    assert.deepEqual(done.conditions?.map((x) => [x.type, x.status, x.reason, x.message]), [
      ['SuccessCriteriaMet', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods'],
      ['Complete', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods'],
    ]);
    assert.equal(done.completionTime, nowTimestamp(new Date(T0)));
    assert.ok(f.recorder.events.includes('Normal Completed Job completed'));
    assert.equal(creates(f).length, 0);
  });

  test('a failing Job stops at backoffLimit: FailureTarget, active pods deleted, then Failed', async () => {
    const c = jobController({ now: () => T0 });
    let f = await fixture([[JOBS, [job('pi', { completions: 2, parallelism: 2, backoffLimit: 0 })]], [PODS, []]]);
    await sync(c, f);
    const [a] = await podNames(f);
    f = await setPhase(await resync(f, [JOBS, PODS]), [a], 'Failed');
    await sync(c, f);
    let status = await lastStatus(f);
    assert.equal(status.failed, 1);
    assert.deepEqual(status.conditions?.map((x) => [x.type, x.reason, x.message]), [['FailureTarget', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit']]);
    assert.equal(status.terminating, 1, 'the other pod was deleted and counts as terminating');
    assert.equal(f.client.writes().filter((w) => w.verb === 'delete').length, 1);
    assert.equal(creates(f).length, 0);

    f = await resync(f, [JOBS, PODS]);
    await sync(c, f);
    status = await lastStatus(f);
    assert.deepEqual(status.conditions?.map((x) => x.type), ['FailureTarget', 'Failed']);
    assert.equal(status.conditions?.[1].reason, 'BackoffLimitExceeded');
    assert.equal(status.completionTime, undefined);
    assert.ok(f.recorder.events.includes('Warning BackoffLimitExceeded Job has reached the specified backoff limit'));
  });

  test('replaces failed pods until more than backoffLimit failed', async () => {
    const c = jobController({ now: () => T0 });
    let f = await fixture([[JOBS, [job('pi', { backoffLimit: 1 })]], [PODS, []]]);
    await sync(c, f);
    f = await setPhase(await resync(f, [JOBS, PODS]), await podNames(f), 'Failed');
    await sync(c, f);
    assert.equal(creates(f).length, 1, 'one failure is within the limit: a replacement');
    f = await setPhase(await resync(f, [JOBS, PODS]), await podNames(f), 'Failed');
    await sync(c, f);
    assert.equal(creates(f).length, 0);
    const status = await lastStatus(f);
    assert.equal(status.failed, 2);
    assert.deepEqual(status.conditions?.map((x) => x.type), ['FailureTarget', 'Failed']);
  });

  test('restartPolicy OnFailure counts container restarts toward the backoff limit', async () => {
    const spec = job('pi', { backoffLimit: 2 }).spec;
    spec.template!.spec!.restartPolicy = 'OnFailure';
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'pi-x', namespace: 'default', labels: spec.template!.metadata!.labels, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'pi', uid: 'uid-pi', controller: true }], finalizers: [JOB_TRACKING_FINALIZER] },
      status: { phase: 'Running', containerStatuses: [{ restartCount: 2 }] },
    };
    const f = await fixture([[JOBS, [job('pi', spec)]], [PODS, [pod]]]);
    await sync(jobController({ now: () => T0 }), f);
    const status = await lastStatus(f);
    assert.equal(status.conditions?.[0].reason, 'BackoffLimitExceeded');
    assert.deepEqual(f.client.writes().filter((w) => w.verb === 'delete').map((w) => w.name), ['pi-x']);
  });

  test('Indexed: one pod per index with annotation, label, hostname and env; completedIndexes compressed', async () => {
    const c = jobController({ now: () => T0 });
    let f = await fixture([[JOBS, [job('pi', { completions: 3, parallelism: 2, completionMode: 'Indexed' })]], [PODS, []]]);
    await sync(c, f);
    const made = creates(f);
    assert.deepEqual(made.map((p) => p.metadata.annotations?.['batch.kubernetes.io/job-completion-index']), ['0', '1']);
    assert.equal(made[1].metadata.labels?.['batch.kubernetes.io/job-completion-index'], '1');
    assert.equal(made[1].metadata.generateName, 'pi-1-');
    assert.equal(made[1].spec?.hostname, 'pi-1');
    const env = (made[1].spec?.containers as { env: unknown[] }[])[0].env;
    assert.deepEqual(env, [{ name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } }]);

    const names = (await f.client.list<Pod>(PODS)).items;
    const byIndex = (i: string) => names.find((p) => p.metadata.annotations?.['batch.kubernetes.io/job-completion-index'] === i)!.metadata.name!;
    f = await setPhase(await resync(f, [JOBS, PODS]), [byIndex('1')], 'Succeeded');
    await sync(c, f);
    assert.deepEqual(creates(f).map((p) => p.metadata.annotations?.['batch.kubernetes.io/job-completion-index']), ['2']);
    assert.equal((await lastStatus(f)).completedIndexes, '1');

    f = await setPhase(await resync(f, [JOBS, PODS]), await podNames(f), 'Succeeded');
    await sync(c, f);
    const status = await lastStatus(f);
    assert.equal(status.completedIndexes, '0-2');
    assert.equal(status.succeeded, 3);
    assert.ok(status.conditions?.some((x) => x.type === 'Complete'));
  });

  test('activeDeadlineSeconds: requeues until the deadline, then fails with DeadlineExceeded', async () => {
    const started = nowTimestamp(new Date(T0 - 5000));
    const f = await fixture([[JOBS, [job('pi', { activeDeadlineSeconds: 10 }, { startTime: started })]], [PODS, []]]);
    const result = await sync(jobController({ now: () => T0 }), f);
    assert.deepEqual(result, { requeueAfterMs: 5000 });

    const late = await fixture([[JOBS, [job('pi', { activeDeadlineSeconds: 10 }, { startTime: nowTimestamp(new Date(T0 - 11_000)) })]], [PODS, []]]);
    const c = jobController({ now: () => T0 });
    await sync(c, late);
    const status = await lastStatus(late);
    assert.deepEqual(status.conditions?.map((x) => [x.type, x.reason, x.message]), [
      ['FailureTarget', 'DeadlineExceeded', 'Job was active longer than specified deadline'],
      ['Failed', 'DeadlineExceeded', 'Job was active longer than specified deadline'],
    ]);
    assert.equal(creates(late).length, 0);
    assert.ok(late.recorder.events.includes('Warning DeadlineExceeded Job was active longer than specified deadline'));
  });

  test('suspend deletes active pods and sets Suspended; resuming restarts the clock and creates pods', async () => {
    const c = jobController({ now: () => T0 });
    const running: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'pi-a', namespace: 'default', labels: { 'batch.kubernetes.io/controller-uid': 'uid-pi' }, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'pi', uid: 'uid-pi', controller: true }], finalizers: [JOB_TRACKING_FINALIZER] },
      status: { phase: 'Running' },
    };
    let f = await fixture([[JOBS, [job('pi', { suspend: true }, { startTime: nowTimestamp(new Date(T0 - 60_000)) })]], [PODS, [running]]]);
    await sync(c, f);
    assert.deepEqual(f.client.writes().filter((w) => w.verb === 'delete').map((w) => w.name), ['pi-a']);
    let status = await lastStatus(f);
    assert.deepEqual(status.conditions?.map((x) => [x.type, x.status, x.reason, x.message]), [['Suspended', 'True', 'JobSuspended', 'Job suspended']]);
    assert.ok(f.recorder.events.includes('Normal Suspended Job suspended'));
    assert.equal(creates(f).length, 0);

    await f.client.patch(JOBS, 'default', 'pi', { spec: { suspend: false } }, { type: 'merge' });
    f = await resync(f, [JOBS, PODS]);
    const later = T0 + 30_000;
    await jobController({ now: () => later }).reconcile(f.ctx, 'default/pi');
    status = await lastStatus(f);
    assert.deepEqual(status.conditions?.map((x) => [x.type, x.status, x.reason]), [['Suspended', 'False', 'JobResumed']]);
    assert.equal(status.startTime, nowTimestamp(new Date(later)));
    assert.ok(f.recorder.events.includes('Normal Resumed Job resumed'));
    assert.equal(creates(f).length, 1);
  });

  test('a finished Job only strips leftover tracking finalizers', async () => {
    const leftover: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'pi-a', namespace: 'default', ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'pi', uid: 'uid-pi', controller: true }], finalizers: [JOB_TRACKING_FINALIZER] },
      status: { phase: 'Succeeded' },
    };
    const done = job('pi', {}, { succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] });
    const f = await fixture([[JOBS, [done]], [PODS, [leftover]]]);
    await sync(jobController(), f);
    assert.deepEqual(f.client.writes().map((w) => [w.verb, w.name]), [['patch', 'pi-a']]);
    assert.equal((await f.client.get<Pod>(PODS, 'default', 'pi-a')).metadata.finalizers, undefined);
  });
});

test('Job controller: pods of a deleted Job lose their tracking finalizer', async () => {
  const orphan: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'pi-a', namespace: 'default', deletionTimestamp: nowTimestamp(), ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'pi', uid: 'uid-old', controller: true }], finalizers: [JOB_TRACKING_FINALIZER] },
    status: { phase: 'Running' },
  };
  const f = await fixture([[JOBS, []], [PODS, [orphan]]]);
  await sync(jobController(), f);
  assert.deepEqual(f.client.writes().map((w) => [w.verb, w.name]), [['patch', 'pi-a']]);
  assert.equal((await f.client.get<Pod>(PODS, 'default', 'pi-a')).metadata.finalizers, undefined);
});

describe('completion index lists', () => {
  test('format and parse compressed ranges', () => {
    assert.equal(formatIndexes([4, 0, 1, 2, 7, 8]), '0-2,4,7-8');
    assert.equal(formatIndexes([]), '');
    assert.deepEqual([...parseIndexes('0-2,4,9', 5)].sort(), [0, 1, 2, 4]);
  });
});

describe('TTL-after-finished controller', () => {
  const finished = (agoMs: number, ttl?: number): Job =>
    job('pi', ttl === undefined ? {} : { ttlSecondsAfterFinished: ttl }, { conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: nowTimestamp(new Date(T0 - agoMs)) }] });

  test('requeues until the TTL expires', async () => {
    const f = await fixture([[JOBS, [finished(50_000, 100)]]]);
    const result = await ttlAfterFinishedController({ now: () => T0 }).reconcile(f.ctx, 'default/pi');
    assert.deepEqual(result, { requeueAfterMs: 50_000 });
    assert.equal(f.client.writes().length, 0);
  });

  test('deletes an expired Job in the foreground with a uid precondition', async () => {
    const f = await fixture([[JOBS, [finished(150_000, 100)]]]);
    const options: unknown[] = [];
    const del = f.client.delete.bind(f.client);
    f.client.delete = (ref, ns, name, opts) => (options.push(opts), del(ref, ns, name, opts));
    await ttlAfterFinishedController({ now: () => T0 }).reconcile(f.ctx, 'default/pi');
    assert.deepEqual(options, [{ propagationPolicy: 'Foreground', preconditions: { uid: 'uid-pi' } }]);
    assert.deepEqual(f.client.writes().map((w) => [w.verb, w.name]), [['delete', 'pi']]);
    await assert.rejects(f.client.get(JOBS, 'default', 'pi'), /not found/);
  });

  test('ignores unfinished Jobs and Jobs without a TTL', () => {
    assert.equal(msUntilExpiry(finished(10, undefined), T0), undefined);
    assert.equal(msUntilExpiry(job('pi', { ttlSecondsAfterFinished: 0 }), T0), undefined);
    assert.equal(msUntilExpiry(finished(1000, 0), T0), -1000);
  });
});
