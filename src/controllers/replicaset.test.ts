import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { nowTimestamp } from '../api/object.ts';
import { PODS } from './pod-control.ts';
import { REPLICATIONCONTROLLERS, replicationControllerController } from './replicationcontroller.ts';
import { REPLICASETS, replicaSetController } from './replicaset.ts';
import { fixture, ownedBy, pod, replicaSet, resync } from './workload-fixtures.ts';
import type { Pod, ReplicaSet } from './workload-types.ts';

describe('ReplicaSet controller', () => {
  test('creates missing pods from the template, owned by the ReplicaSet, and reports status', async () => {
    const rs = replicaSet('web', 3);
    const f = await fixture([[REPLICASETS, [rs]], [PODS, []]]);
    await replicaSetController().reconcile(f.ctx, 'default/web');
    const creates = f.client.writes().filter((a) => a.verb === 'create');
    assert.equal(creates.length, 3);
    const created = creates[0].object as Pod;
    assert.equal(created.metadata.generateName, 'web-');
    assert.deepEqual(created.metadata.labels, { app: 'web' });
    assert.deepEqual(created.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'uid-web', controller: true, blockOwnerDeletion: true }]);
    assert.deepEqual(created.spec, rs.spec.template!.spec);
    assert.equal(f.recorder.events.length, 3);
    assert.match(f.recorder.events[0], /^Normal SuccessfulCreate Created pod: web-\w{5}$/);
    const status = f.client.writes().find((a) => a.subresource === 'status')!.object as ReplicaSet;
    assert.deepEqual(status.status, { replicas: 0, observedGeneration: 1 });
  });

  test('does not create again while its own creates are not in the cache yet (expectations)', async () => {
    const controller = replicaSetController();
    const f = await fixture([[REPLICASETS, [replicaSet('web', 2)]], [PODS, []]]);
    await controller.reconcile(f.ctx, 'default/web');
    f.client.actions.length = 0;
    // Same stale cache: the two pods are not visible yet.
    await controller.reconcile(f.ctx, 'default/web');
    assert.equal(f.client.writes().filter((a) => a.verb === 'create').length, 0);
    // Once the cache has them, the ReplicaSet is in sync and nothing is created either.
    const caught = await resync(f, [REPLICASETS, PODS]);
    await controller.reconcile(caught.ctx, 'default/web');
    assert.equal(caught.client.writes().filter((a) => a.verb === 'create').length, 0);
    const pods = (await f.client.list(PODS)).items;
    assert.equal(pods.length, 2);
  });

  test('scales down deleting unassigned, then pending, then not-ready pods first', async () => {
    const rs = replicaSet('web', 1);
    const owner = ownedBy(rs);
    const pods = [
      pod('ready', { owner, nodeName: 'n1', ready: true }),
      pod('unassigned', { owner, phase: 'Pending' }),
      pod('notready', { owner, nodeName: 'n1', ready: false }),
    ];
    const f = await fixture([[REPLICASETS, [rs]], [PODS, pods]]);
    await replicaSetController().reconcile(f.ctx, 'default/web');
    const deleted = f.client.writes().filter((a) => a.verb === 'delete').map((a) => a.name).sort();
    assert.deepEqual(deleted, ['notready', 'unassigned']);
    assert.ok(f.recorder.events.includes('Normal SuccessfulDelete Deleted pod: unassigned'));
  });

  test('adopts matching orphans, releases owned pods that stopped matching, ignores pods of other owners', async () => {
    const rs = replicaSet('web', 2);
    const pods = [
      pod('orphan', {}),
      pod('stray', { owner: ownedBy(rs), labels: { app: 'other' } }),
      pod('foreign', { owner: { ...ownedBy(replicaSet('x', 1)) } }),
      pod('owned', { owner: ownedBy(rs) }),
    ];
    const f = await fixture([[REPLICASETS, [rs]], [PODS, pods]]);
    await replicaSetController().reconcile(f.ctx, 'default/web');
    const patches = f.client.writes().filter((a) => a.verb === 'patch');
    const byName = new Map(patches.map((p) => [p.name, p.patch as { metadata: { ownerReferences: unknown[] } }]));
    assert.deepEqual([...byName.keys()].sort(), ['orphan', 'stray']);
    assert.deepEqual(byName.get('orphan')!.metadata.ownerReferences, [ownedBy(rs)]);
    assert.deepEqual(byName.get('stray')!.metadata.ownerReferences, []);
    // owned + adopted orphan = 2 replicas: nothing to create or delete.
    assert.equal(f.client.writes().filter((a) => a.verb === 'create' || a.verb === 'delete').length, 0);
  });

  test('status counts ready, available (minReadySeconds) and fully labeled pods and requeues for availability', async () => {
    const rs = replicaSet('web', 3);
    rs.spec.minReadySeconds = 30;
    rs.spec.template!.metadata!.labels = { app: 'web', tier: 'fe' };
    const owner = ownedBy(rs);
    const justReady = nowTimestamp(new Date(Date.now() - 5000));
    const pods = [
      pod('a', { owner, ready: true, nodeName: 'n', labels: { app: 'web', tier: 'fe' } }),
      pod('b', { owner, ready: true, nodeName: 'n', readySince: justReady }),
      pod('c', { owner, ready: false, nodeName: 'n' }),
      pod('done', { owner, phase: 'Succeeded' }),
    ];
    const f = await fixture([[REPLICASETS, [rs]], [PODS, pods]]);
    const result = await replicaSetController().reconcile(f.ctx, 'default/web');
    const status = (f.client.writes().find((a) => a.subresource === 'status')!.object as ReplicaSet).status;
    assert.deepEqual(status, { replicas: 3, fullyLabeledReplicas: 1, readyReplicas: 2, availableReplicas: 1, observedGeneration: 1 });
    assert.ok(result && result.requeueAfterMs! > 20_000 && result.requeueAfterMs! <= 27_000, `requeue ${JSON.stringify(result)}`);
  });

  test('a failing create sets ReplicaFailure FailedCreate and fails the key for a retry', async () => {
    const f = await fixture([[REPLICASETS, [replicaSet('web', 4)]], [PODS, []]]);
    f.client.reactor = (a) => {
      if (a.verb === 'create') throw new Error('pods "web-" is forbidden: exceeded quota');
    };
    await assert.rejects(replicaSetController().reconcile(f.ctx, 'default/web'), /exceeded quota/);
    // Slow start: the first batch of one failed, so only one create was tried.
    assert.equal(f.client.actions.filter((a) => a.verb === 'create').length, 1);
    assert.deepEqual(f.recorder.events, ['Warning FailedCreate Error creating: pods "web-" is forbidden: exceeded quota']);
    const status = (f.client.writes().find((a) => a.subresource === 'status')!.object as ReplicaSet).status!;
    assert.equal(status.conditions?.[0].type, 'ReplicaFailure');
    assert.equal(status.conditions?.[0].reason, 'FailedCreate');
  });

  test('a deleted ReplicaSet is a no-op', async () => {
    const f = await fixture([[REPLICASETS, []], [PODS, [pod('x')]]]);
    await replicaSetController().reconcile(f.ctx, 'default/web');
    assert.equal(f.client.writes().length, 0);
  });

  test('maps an orphan pod event to every ReplicaSet whose selector matches it, once seen', async () => {
    const controller = replicaSetController();
    const f = await fixture([[REPLICASETS, [replicaSet('web', 0)]], [PODS, []]]);
    const podWatch = controller.watches.find((w) => w.resource === PODS)!;
    const map = podWatch.map as (obj: Pod) => string[];
    assert.deepEqual(map(pod('o')), []);
    await controller.reconcile(f.ctx, 'default/web');
    assert.deepEqual(map(pod('o')), ['default/web']);
    assert.deepEqual(map(pod('p', { labels: { app: 'db' } })), []);
    assert.deepEqual(map(pod('q', { owner: ownedBy(replicaSet('x', 1)) })), ['default/x']);
  });
});

describe('ReplicationController controller', () => {
  test('uses the map selector and owns pods as a v1 ReplicationController', async () => {
    const rc: ReplicaSet = { ...replicaSet('rc', 2), apiVersion: 'v1', kind: 'ReplicationController' };
    rc.spec.selector = { app: 'web' };
    const f = await fixture([[REPLICATIONCONTROLLERS, [rc]], [PODS, [pod('orphan')]]]);
    await replicationControllerController().reconcile(f.ctx, 'default/rc');
    const adopt = f.client.writes().find((a) => a.verb === 'patch')!;
    assert.equal(adopt.name, 'orphan');
    assert.deepEqual((adopt.patch as { metadata: { ownerReferences: unknown[] } }).metadata.ownerReferences, [
      { apiVersion: 'v1', kind: 'ReplicationController', name: 'rc', uid: 'uid-rc', controller: true, blockOwnerDeletion: true },
    ]);
    assert.equal(f.client.writes().filter((a) => a.verb === 'create').length, 1);
  });
});
