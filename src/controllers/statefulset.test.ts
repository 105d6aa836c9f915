import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { nowTimestamp } from '../api/object.ts';
import { CONTROLLER_REVISIONS } from './controller-revision.ts';
import { PODS } from './pod-control.ts';
import { PVCS } from './statefulset-pod-control.ts';
import { STATEFULSETS, statefulSetController } from './statefulset.ts';
import { fixture, ownedBy, pod, resync, type Fixture } from './workload-fixtures.ts';
import type { ControllerRevision, PersistentVolumeClaim, StatefulSet } from './set-types.ts';
import type { Pod } from './workload-types.ts';

const ALL = [STATEFULSETS, PODS, CONTROLLER_REVISIONS, PVCS];

function statefulSet(replicas: number, spec: Partial<StatefulSet['spec']> = {}): StatefulSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: 'default', uid: 'uid-web', generation: 1, resourceVersion: '1', creationTimestamp: nowTimestamp() },
    spec: {
      replicas,
      serviceName: 'nginx',
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } },
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      revisionHistoryLimit: 10,
      ...spec,
    },
    status: { replicas: 0, availableReplicas: 0 },
  };
}

/** Runs one reconcile, then brings the cache up to date with the client. */
async function step(f: Fixture): Promise<Fixture> {
  await statefulSetController().reconcile(f.ctx, 'default/web');
  return resync(f, ALL);
}

/** Marks the stored pods Running and Ready (the kubelet's part). */
async function makeReady(f: Fixture, ...names: string[]): Promise<void> {
  for (const name of names) {
    await f.client.patch(PODS, 'default', name, { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: nowTimestamp(new Date(Date.now() - 60_000)) }] } }, { type: 'merge', subresource: 'status' });
  }
}

function podNames(f: Fixture): Promise<string[]> {
  return f.client.list<Pod>(PODS).then((l) => l.items.map((p) => p.metadata.name!).sort());
}

describe('StatefulSet controller', () => {
  test('OrderedReady creates web-0 with its identity and waits for it before web-1', async () => {
    let f = await fixture([[STATEFULSETS, [statefulSet(3)]], [PODS, []], [CONTROLLER_REVISIONS, []], [PVCS, []]]);
    await statefulSetController().reconcile(f.ctx, 'default/web');
    const creates = f.client.writes().filter((a) => a.verb === 'create' && a.resource === 'pods');
    assert.equal(creates.length, 1);
    const web0 = creates[0].object as Pod;
    assert.equal(web0.metadata.name, 'web-0');
    assert.equal(web0.metadata.labels!['statefulset.kubernetes.io/pod-name'], 'web-0');
    assert.equal(web0.metadata.labels!['apps.kubernetes.io/pod-index'], '0');
    assert.match(web0.metadata.labels!['controller-revision-hash'], /^web-[bcdfghjklmnpqrstvwxz2456789]+$/);
    assert.equal(web0.spec!.hostname, 'web-0');
    assert.equal(web0.spec!.subdomain, 'nginx');
    assert.deepEqual(web0.metadata.ownerReferences, [ownedBy(statefulSet(3), 'StatefulSet')]);
    assert.deepEqual(f.recorder.events, ['Normal SuccessfulCreate create Pod web-0 in StatefulSet web successful']);
    const revision = f.client.writes().find((a) => a.resource === 'controllerrevisions')!.object as ControllerRevision;
    assert.equal(revision.revision, 1);
    assert.equal(revision.metadata.name, web0.metadata.labels!['controller-revision-hash']);
    assert.equal((revision.data as { spec: { template: { $patch: string } } }).spec.template.$patch, 'replace');
    const status = f.client.writes().find((a) => a.subresource === 'status')!.object as StatefulSet;
    assert.equal(status.status!.updateRevision, revision.metadata.name);
    assert.equal(status.status!.currentRevision, revision.metadata.name);

    // web-0 exists but is not ready: nothing more is created.
    f = await resync(f, ALL);
    f = await step(f);
    assert.deepEqual(await podNames(f), ['web-0']);
    // Once web-0 is Running and Ready, web-1 comes.
    await makeReady(f, 'web-0');
    f = await resync(f, ALL);
    f = await step(f);
    assert.deepEqual(await podNames(f), ['web-0', 'web-1']);
  });

  test('Parallel creates every pod at once', async () => {
    const f = await fixture([[STATEFULSETS, [statefulSet(3, { podManagementPolicy: 'Parallel' })]], [PODS, []], [CONTROLLER_REVISIONS, []], [PVCS, []]]);
    await statefulSetController().reconcile(f.ctx, 'default/web');
    assert.deepEqual(await podNames(f), ['web-0', 'web-1', 'web-2']);
  });

  test('scales down from the highest ordinal, one pod at a time', async () => {
    let f = await fixture([[STATEFULSETS, [statefulSet(3)]], [PODS, []], [CONTROLLER_REVISIONS, []], [PVCS, []]]);
    for (const name of ['web-0', 'web-1', 'web-2']) {
      f = await step(f);
      await makeReady(f, name);
      f = await resync(f, ALL);
    }
    assert.deepEqual(await podNames(f), ['web-0', 'web-1', 'web-2']);
    await f.client.patch(STATEFULSETS, 'default', 'web', { spec: { replicas: 1 } }, { type: 'merge' });
    f = await resync(f, ALL);
    await statefulSetController().reconcile(f.ctx, 'default/web');
    assert.deepEqual(f.client.writes().filter((a) => a.verb === 'delete').map((a) => a.name), ['web-2']);
    assert.ok(f.recorder.events.includes('Normal SuccessfulDelete delete Pod web-2 in StatefulSet web successful'));
    f = await resync(f, ALL);
    await statefulSetController().reconcile(f.ctx, 'default/web');
    assert.deepEqual(f.client.writes().filter((a) => a.verb === 'delete').map((a) => a.name), ['web-1']);
  });

  test('rolling update goes from the highest ordinal down and stops at the partition', async () => {
    let f = await fixture([[STATEFULSETS, [statefulSet(3, { podManagementPolicy: 'Parallel' })]], [PODS, []], [CONTROLLER_REVISIONS, []], [PVCS, []]]);
    f = await step(f);
    await makeReady(f, 'web-0', 'web-1', 'web-2');
    f = await resync(f, ALL);
    f = await step(f);
    const oldRevision = (await f.client.get<StatefulSet>(STATEFULSETS, 'default', 'web')).status!.currentRevision;
    await f.client.patch(STATEFULSETS, 'default', 'web', { spec: { template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:2' }] } }, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } } }, { type: 'merge' });
    f = await resync(f, ALL);
    await statefulSetController().reconcile(f.ctx, 'default/web');
    // Only web-2 goes first (one unavailable at a time).
    assert.deepEqual(f.client.writes().filter((a) => a.verb === 'delete' && a.resource === 'pods').map((a) => a.name), ['web-2']);
    f = await resync(f, ALL);
    f = await step(f);
    const web2 = await f.client.get<Pod>(PODS, 'default', 'web-2');
    const set = await f.client.get<StatefulSet>(STATEFULSETS, 'default', 'web');
    assert.equal(web2.metadata.labels!['controller-revision-hash'], set.status!.updateRevision);
    assert.notEqual(set.status!.updateRevision, oldRevision);
    assert.equal(set.status!.currentRevision, oldRevision);
    assert.equal((web2.spec!.containers as { image: string }[])[0].image, 'nginx:2');
    // web-2 ready at the new revision: web-1 is next; web-0 is below the partition and stays.
    await makeReady(f, 'web-2');
    f = await resync(f, ALL);
    await statefulSetController().reconcile(f.ctx, 'default/web');
    assert.deepEqual(f.client.writes().filter((a) => a.verb === 'delete' && a.resource === 'pods').map((a) => a.name), ['web-1']);
    f = await resync(f, ALL);
    f = await step(f);
    await makeReady(f, 'web-1');
    f = await resync(f, ALL);
    await statefulSetController().reconcile(f.ctx, 'default/web');
    assert.equal(f.client.writes().filter((a) => a.verb === 'delete' && a.resource === 'pods').length, 0);
    const final = await f.client.get<StatefulSet>(STATEFULSETS, 'default', 'web');
    assert.equal(final.status!.updatedReplicas, 2);
    assert.equal(final.status!.currentReplicas, 1);
    const revisions = (await f.client.list<ControllerRevision>(CONTROLLER_REVISIONS)).items.map((r) => r.revision).sort();
    assert.deepEqual(revisions, [1, 2]);
  });

  test('creates claims from volumeClaimTemplates before the pod and mounts them; WhenDeleted=Delete owns them by the set', async () => {
    const claimTemplate: PersistentVolumeClaim = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } };
    const set = statefulSet(1, { volumeClaimTemplates: [claimTemplate], persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' } });
    const f = await fixture([[STATEFULSETS, [set]], [PODS, []], [CONTROLLER_REVISIONS, []], [PVCS, []]]);
    await statefulSetController().reconcile(f.ctx, 'default/web');
    const writes = f.client.writes().filter((a) => a.verb === 'create' && a.resource !== 'controllerrevisions');
    assert.deepEqual(writes.map((a) => `${a.resource}/${a.name}`), ['persistentvolumeclaims/www-web-0', 'pods/web-0']);
    const claim = writes[0].object as PersistentVolumeClaim;
    assert.deepEqual(claim.metadata.labels, { app: 'web' });
    assert.deepEqual(claim.metadata.ownerReferences, [ownedBy(set, 'StatefulSet')]);
    const web0 = writes[1].object as Pod;
    assert.deepEqual(web0.spec!.volumes, [{ name: 'www', persistentVolumeClaim: { claimName: 'www-web-0' } }]);
    assert.equal(f.recorder.events[0], 'Normal SuccessfulCreate create Claim www-web-0 Pod web-0 in StatefulSet web success');
  });

  test('an existing claim is reused and a scaled-down pod hands its claim to the pod under WhenScaled=Delete', async () => {
    const claimTemplate: PersistentVolumeClaim = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' }, spec: {} };
    const set = statefulSet(0, { volumeClaimTemplates: [claimTemplate], persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Delete' } });
    const owner = ownedBy(set, 'StatefulSet');
    const web0 = pod('web-0', { owner, ready: true, nodeName: 'n1', labels: { app: 'web', 'statefulset.kubernetes.io/pod-name': 'web-0', 'apps.kubernetes.io/pod-index': '0' } });
    web0.spec!.volumes = [{ name: 'data', persistentVolumeClaim: { claimName: 'data-web-0' } }];
    const claim: PersistentVolumeClaim = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data-web-0', namespace: 'default', labels: { app: 'web' } }, spec: {} };
    const f = await fixture([[STATEFULSETS, [set]], [PODS, [web0]], [CONTROLLER_REVISIONS, []], [PVCS, [claim]]]);
    await statefulSetController().reconcile(f.ctx, 'default/web');
    const patch = f.client.writes().find((a) => a.resource === 'persistentvolumeclaims')!;
    assert.equal(patch.verb, 'patch');
    const stored = await f.client.get(PODS, 'default', 'web-0').catch(() => undefined);
    assert.equal(stored, undefined, 'web-0 deleted');
    const refs = (patch.patch as { metadata: { ownerReferences: { kind: string; name: string; controller: boolean }[] } }).metadata.ownerReferences;
    assert.deepEqual(refs.map((r) => [r.kind, r.name, r.controller]), [['Pod', 'web-0', true]]);
  });

  test('a Failed pod is deleted to be recreated', async () => {
    const set = statefulSet(1);
    const web0 = pod('web-0', { owner: ownedBy(set, 'StatefulSet'), phase: 'Failed', labels: { app: 'web' } });
    const f = await fixture([[STATEFULSETS, [set]], [PODS, [web0]], [CONTROLLER_REVISIONS, []], [PVCS, []]]);
    await statefulSetController().reconcile(f.ctx, 'default/web');
    assert.deepEqual(f.client.writes().filter((a) => a.resource === 'pods').map((a) => `${a.verb} ${a.name}`), ['delete web-0']);
  });
});
