import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SchedulingQueue } from './queue.ts';
import { makePod } from './testing.ts';
import { Framework } from './runtime.ts';
import { DEFAULT_PROFILE } from './framework.ts';
import { inTreeRegistry } from './plugins/index.ts';
import { Snapshot } from './snapshot.ts';

function clockQueue() {
  let t = 1_000_000;
  const fw = new Framework(DEFAULT_PROFILE, inTreeRegistry(), { snapshot: new Snapshot() });
  const q = new SchedulingQueue({ now: () => t, eventsByPlugin: fw.eventsByPlugin(), preEnqueue: (p) => fw.runPreEnqueuePlugins(p) });
  return { q, advance: (ms: number) => (t += ms) };
}

describe('scheduling queue', () => {
  test('pops by priority, then by arrival; dedupes by uid', () => {
    const { q, advance } = clockQueue();
    q.add(makePod('low', { priority: 1 }));
    advance(1);
    q.add(makePod('high', { priority: 100 }));
    advance(1);
    q.add(makePod('low2', { priority: 1 }));
    q.add(makePod('low', { priority: 1 }));
    assert.equal(q.stats().active, 3);
    assert.deepEqual([q.tryPop(), q.tryPop(), q.tryPop()].map((p) => p?.pod.metadata?.name), ['high', 'low', 'low2']);
    assert.equal(q.tryPop(), undefined);
  });
  test('backoff doubles from 1 s to 10 s per attempt', () => {
    const { q } = clockQueue();
    q.add(makePod('p'));
    const qp = q.tryPop()!;
    const durations = [1, 2, 3, 4, 5, 6].map((attempts) => q.backoffDuration({ ...qp, attempts }));
    assert.deepEqual(durations, [1000, 2000, 4000, 8000, 10000, 10000]);
  });
  test('an unschedulable pod moves on a relevant event, waits out its backoff, then pops', () => {
    const { q, advance } = clockQueue();
    q.add(makePod('p', { cpu: '64' }));
    const qp = q.tryPop()!;
    q.addUnschedulable(qp, new Set(['NodeResourcesFit']));
    assert.equal(q.stats().unschedulable, 1);
    // NodeResourcesFit does not care about a new namespace.
    q.moveAllToActiveOrBackoffQueue('NamespaceAdd');
    assert.equal(q.stats().unschedulable, 1);
    q.moveAllToActiveOrBackoffQueue('NodeAdd');
    assert.equal(q.stats().backoff, 1);
    assert.equal(q.tryPop(), undefined);
    advance(1000);
    assert.equal(q.tryPop()?.attempts, 2);
  });
  test('an event during the scheduling cycle sends the failed pod to backoff', () => {
    const { q } = clockQueue();
    q.add(makePod('p'));
    const qp = q.tryPop()!;
    q.moveAllToActiveOrBackoffQueue('NodeAdd');
    q.addUnschedulable(qp, new Set(['NodeResourcesFit']));
    assert.deepEqual(q.stats(), { active: 0, backoff: 1, unschedulable: 0, inFlight: 0 });
  });
  test('unschedulable pods come back after 5 minutes', () => {
    const { q, advance } = clockQueue();
    q.add(makePod('p'));
    q.addUnschedulable(q.tryPop()!, new Set(['NodeAffinity']));
    advance(5 * 60_000);
    q.flushUnschedulableLeftover();
    assert.equal(q.stats().unschedulable, 1);
    advance(1);
    q.flushUnschedulableLeftover();
    assert.equal(q.tryPop()?.pod.metadata?.name, 'p');
  });
  test('scheduling gates keep a pod out until an update removes them', () => {
    const { q } = clockQueue();
    const gated = makePod('g', { spec: { containers: [], schedulingGates: [{ name: 'example.com/wait' }] } });
    q.add(gated);
    assert.equal(q.tryPop(), undefined);
    q.moveAllToActiveOrBackoffQueue('NodeAdd');
    assert.equal(q.tryPop(), undefined);
    q.update({ ...gated, spec: { ...gated.spec!, schedulingGates: [] } });
    assert.equal(q.tryPop()?.pod.metadata?.name, 'g');
  });
  test('delete drops the pod everywhere, so a failed in-flight pod is not requeued', () => {
    const { q } = clockQueue();
    const p = makePod('p');
    q.add(p);
    const qp = q.tryPop()!;
    q.delete(p);
    q.addUnschedulable(qp, new Set());
    assert.deepEqual(q.stats(), { active: 0, backoff: 0, unschedulable: 0, inFlight: 0 });
  });
  test('pop waits for a pod; close releases waiters', async () => {
    const { q } = clockQueue();
    const waiting = q.pop();
    q.add(makePod('later'));
    assert.equal((await waiting)?.pod.metadata?.name, 'later');
    const pending = q.pop();
    q.close();
    assert.equal(await pending, undefined);
  });
  test('nominated pods are tracked per node', () => {
    const { q } = clockQueue();
    const fw = { uid: 'u1' } as never;
    q.addNominatedPod(fw, 'n1');
    assert.equal(q.nominatedPodsForNode('n1').length, 1);
    q.addNominatedPod(fw, 'n2');
    assert.equal(q.nominatedPodsForNode('n1').length, 0);
    q.deleteNominatedPod('u1');
    assert.equal(q.nominatedPodsForNode('n2').length, 0);
  });
});
