import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { nowTimestamp } from '../api/object.ts';
import { findResource } from '../api/registry.ts';
import { PDBS, disruptionController } from './disruption.ts';
import { countHealthy, expectedCounts, pendingDisruptions, scaledValue, type PodDisruptionBudget } from './disruption-math.ts';
import { PODS } from './pod-control.ts';
import { REPLICASETS } from './replicaset.ts';
import { deployment, fixture, ownedBy, pod, replicaSet } from './workload-fixtures.ts';

const DEPLOYMENTS = findResource('apps', 'v1', 'deployments')!;
const NOW = Date.parse('2026-01-01T00:10:00Z');

function pdb(name: string, spec: PodDisruptionBudget['spec'], status?: PodDisruptionBudget['status']): PodDisruptionBudget {
  return { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, namespace: 'default', uid: `uid-${name}`, generation: 2 }, spec: { selector: { matchLabels: { app: 'web' } }, ...spec }, status };
}

function written(f: Awaited<ReturnType<typeof fixture>>): PodDisruptionBudget {
  const update = f.client.writes().find((a) => a.subresource === 'status');
  assert.ok(update, 'a status update was written');
  return update.object as PodDisruptionBudget;
}

describe('PDB math', () => {
  test('percentages scale against the total and round as asked', () => {
    assert.equal(scaledValue('50%', 3, true), 2);
    assert.equal(scaledValue('50%', 3, false), 1);
    assert.equal(scaledValue(4, 10, true), 4);
    assert.throws(() => scaledValue('half', 3, true));
  });

  test('expected and desired counts for minAvailable and maxUnavailable', () => {
    const scale = () => 4;
    assert.deepEqual(expectedCounts(pdb('a', { minAvailable: 2 }), 3, scale), { expectedCount: 3, desiredHealthy: 2, usesScale: false });
    assert.deepEqual(expectedCounts(pdb('a', { minAvailable: '50%' }), 3, scale), { expectedCount: 4, desiredHealthy: 2, usesScale: true });
    // maxUnavailable 25% of 4 rounds up to 1: three must stay healthy.
    assert.deepEqual(expectedCounts(pdb('a', { maxUnavailable: '25%' }), 3, scale), { expectedCount: 4, desiredHealthy: 3, usesScale: true });
    assert.deepEqual(expectedCounts(pdb('a', { maxUnavailable: 9 }), 3, scale), { expectedCount: 4, desiredHealthy: 0, usesScale: true });
  });

  test('recent evictions stop counting as healthy; expired ones are dropped', () => {
    const pods = [pod('a', { ready: true }), pod('b', { ready: true }), pod('c', { ready: true }), pod('d', { ready: false })];
    const recorded = { a: nowTimestamp(new Date(NOW - 30_000)), b: nowTimestamp(new Date(NOW - 180_000)), gone: nowTimestamp(new Date(NOW)) };
    const { disrupted, expired, recheckAt } = pendingDisruptions(pods, recorded, NOW);
    assert.deepEqual(Object.keys(disrupted), ['a']);
    assert.deepEqual(expired.map((p) => p.metadata.name), ['b']);
    assert.equal(recheckAt, NOW - 30_000 + 120_000);
    assert.equal(countHealthy(pods, disrupted, NOW), 2);
  });
});

describe('disruption controller', () => {
  test('minAvailable as an integer counts matching pods and allows the surplus', async () => {
    const pods = [pod('w1', { ready: true }), pod('w2', { ready: true }), pod('w3', { ready: false }), pod('other', { ready: true, labels: { app: 'db' } })];
    const f = await fixture([[PDBS, [pdb('web', { minAvailable: 1 })]], [PODS, pods]]);
    const result = await disruptionController({ now: () => NOW }).reconcile(f.ctx, 'default/web');
    assert.equal(result, undefined);
    const status = written(f).status!;
    assert.deepEqual({ ...status, conditions: undefined }, { currentHealthy: 2, desiredHealthy: 1, expectedPods: 3, disruptionsAllowed: 1, observedGeneration: 2, conditions: undefined });
    assert.equal(status.conditions!.length, 1);
    assert.deepEqual({ ...status.conditions![0], lastTransitionTime: undefined }, { type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', message: '', observedGeneration: 2, lastTransitionTime: undefined });
  });

  test('maxUnavailable uses the owning Deployment scale, not the pod count', async () => {
    const d = deployment('web', 4);
    const rs = replicaSet('web-abc', 4, 'web', { ownerReferences: [ownedBy(d, 'Deployment')] });
    const pods = ['a', 'b', 'c'].map((n) => pod(n, { ready: true, owner: ownedBy(rs) }));
    const f = await fixture([[PDBS, [pdb('web', { maxUnavailable: 1 })]], [PODS, pods], [REPLICASETS, [rs]], [DEPLOYMENTS, [d]]]);
    await disruptionController({ now: () => NOW }).reconcile(f.ctx, 'default/web');
    const status = written(f).status!;
    assert.equal(status.expectedPods, 4);
    assert.equal(status.desiredHealthy, 3);
    assert.equal(status.currentHealthy, 3);
    assert.equal(status.disruptionsAllowed, 0);
    assert.equal(status.conditions![0].reason, 'InsufficientPods');
    assert.equal(status.conditions![0].status, 'False');
  });

  test('a percentage over unmanaged pods warns, and no pods means no disruptions', async () => {
    const f = await fixture([[PDBS, [pdb('web', { minAvailable: '50%' })]], [PODS, [pod('lonely', { ready: true })]]]);
    await disruptionController({ now: () => NOW }).reconcile(f.ctx, 'default/web');
    assert.ok(f.recorder.events.some((e) => e.startsWith('Warning UnmanagedPods Pods selected by this PodDisruptionBudget')));
    assert.equal(written(f).status!.disruptionsAllowed, 0);

    const empty = await fixture([[PDBS, [pdb('web', { minAvailable: 0 })]], [PODS, []]]);
    await disruptionController({ now: () => NOW }).reconcile(empty.ctx, 'default/web');
    assert.deepEqual(empty.recorder.events, ['Normal NoPods No matching pods found']);
    assert.equal(written(empty).status!.disruptionsAllowed, 0);
  });

  test('keeps in-flight evictions, requeues at their timeout, and writes nothing when up to date', async () => {
    const since = nowTimestamp(new Date(NOW - 60_000));
    const pods = [pod('a', { ready: true }), pod('b', { ready: true }), pod('c', { ready: true })];
    const f = await fixture([[PDBS, [pdb('web', { minAvailable: 1 }, { disruptedPods: { a: since } })]], [PODS, pods]]);
    const controller = disruptionController({ now: () => NOW });
    const result = await controller.reconcile(f.ctx, 'default/web');
    assert.deepEqual(result, { requeueAfterMs: 60_000 });
    const status = written(f).status!;
    assert.deepEqual(status.disruptedPods, { a: since });
    assert.equal(status.currentHealthy, 2);
    assert.equal(status.disruptionsAllowed, 1);

    const settled = await fixture([[PDBS, [{ ...pdb('web', { minAvailable: 1 }), status }]], [PODS, pods]]);
    await controller.reconcile(settled.ctx, 'default/web');
    assert.deepEqual(settled.client.writes(), []);
  });

  test('a pod event wakes the PDBs selecting it once they are known', () => {
    const controller = disruptionController();
    const [pdbWatch, podWatch] = controller.watches;
    const mapPdb = pdbWatch.map as (o: PodDisruptionBudget) => string[];
    const mapPod = podWatch.map as (o: unknown) => string[];
    assert.deepEqual(mapPod(pod('x', { ready: true })), []);
    assert.deepEqual(mapPdb(pdb('web', { minAvailable: 1 })), ['default/web']);
    assert.deepEqual(mapPod(pod('x', { ready: true })), ['default/web']);
    assert.deepEqual(mapPod(pod('y', { ready: true, labels: { app: 'db' } })), []);
  });
});
