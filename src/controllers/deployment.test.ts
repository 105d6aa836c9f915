import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { nowTimestamp } from '../api/object.ts';
import { deploymentController } from './deployment.ts';
import { DEPLOYMENTS } from './deployment-sync.ts';
import { computeHash, DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION, REVISION_ANNOTATION, REVISION_HISTORY_ANNOTATION } from './deployment-util.ts';
import { PODS } from './pod-control.ts';
import { REPLICASETS } from './replicaset.ts';
import { deployment, fixture, ownedBy, pod, template, type Fixture } from './workload-fixtures.ts';
import type { Deployment, ReplicaSet } from './workload-types.ts';

interface RSOptions {
  image?: string;
  available?: number;
  revision?: number;
  /** Minutes ago it was created (older ReplicaSets first). */
  age?: number;
  desired?: number;
  max?: number;
}

/** A ReplicaSet owned by `d` for the template with `image`, as the controller would have made it. */
function ownedRS(d: Deployment, replicas: number, o: RSOptions = {}): ReplicaSet {
  const t = template(d.metadata.name!, o.image ?? 'nginx:1');
  const hash = computeHash(t);
  t.metadata!.labels!['pod-template-hash'] = hash;
  const available = o.available ?? replicas;
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${d.metadata.name}-${hash}`,
      namespace: 'default',
      uid: `uid-rs-${hash}`,
      generation: 1,
      labels: { ...t.metadata!.labels },
      creationTimestamp: nowTimestamp(new Date(Date.now() - (o.age ?? 10) * 60_000)),
      ownerReferences: [ownedBy(d, 'Deployment')],
      annotations: {
        [REVISION_ANNOTATION]: String(o.revision ?? 1),
        [DESIRED_REPLICAS_ANNOTATION]: String(o.desired ?? d.spec.replicas),
        [MAX_REPLICAS_ANNOTATION]: String(o.max ?? (d.spec.replicas ?? 1) + 1),
      },
    },
    spec: { replicas, minReadySeconds: 0, selector: { matchLabels: { app: d.metadata.name!, 'pod-template-hash': hash } }, template: t },
    status: { replicas, readyReplicas: available, availableReplicas: available, observedGeneration: 1 },
  };
}

async function run(f: Fixture, d: Deployment): Promise<unknown> {
  return deploymentController().reconcile(f.ctx, `default/${d.metadata.name}`);
}

function rsUpdates(f: Fixture): Map<string, ReplicaSet> {
  return new Map(f.client.writes().filter((a) => a.resource === 'replicasets' && a.verb === 'update').map((a) => [a.name!, a.object as ReplicaSet]));
}

function lastStatus(f: Fixture): Deployment['status'] {
  const w = f.client.writes().filter((a) => a.resource === 'deployments' && a.subresource === 'status');
  return (w.at(-1)?.object as Deployment | undefined)?.status;
}

describe('Deployment controller', () => {
  test('a new Deployment creates its ReplicaSet with hash, revision 1 and replica annotations', async () => {
    const d = deployment('web', 3);
    const f = await fixture([[DEPLOYMENTS, [d]], [REPLICASETS, []], [PODS, []]]);
    await run(f, d);
    const create = f.client.writes().find((a) => a.verb === 'create')!;
    const rs = create.object as ReplicaSet;
    const hash = computeHash(d.spec.template);
    assert.equal(rs.metadata.name, `web-${hash}`);
    assert.equal(rs.spec.replicas, 3);
    assert.deepEqual(rs.spec.selector, { matchLabels: { app: 'web', 'pod-template-hash': hash } });
    assert.deepEqual(rs.spec.template!.metadata!.labels, { app: 'web', 'pod-template-hash': hash });
    assert.deepEqual(rs.metadata.labels, { app: 'web', 'pod-template-hash': hash });
    assert.deepEqual(rs.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'uid-web', controller: true, blockOwnerDeletion: true }]);
    assert.deepEqual(rs.metadata.annotations, { [REVISION_ANNOTATION]: '1', [DESIRED_REPLICAS_ANNOTATION]: '3', [MAX_REPLICAS_ANNOTATION]: '4' });
    assert.deepEqual(f.recorder.events, [`Normal ScalingReplicaSet Scaled up replica set web-${hash} to 3 from 0`]);
    // The revision annotation reaches the Deployment, then the status with Progressing NewReplicaSetCreated.
    const patch = f.client.writes().find((a) => a.resource === 'deployments' && a.verb === 'patch')!;
    assert.deepEqual((patch.patch as { metadata: { annotations: unknown } }).metadata.annotations, { [REVISION_ANNOTATION]: '1' });
    const stored = await f.client.get<Deployment>(DEPLOYMENTS, 'default', 'web');
    assert.equal(stored.metadata.annotations?.[REVISION_ANNOTATION], '1');
    const progressing = stored.status?.conditions?.find((c) => c.type === 'Progressing');
    assert.equal(progressing?.reason, 'NewReplicaSetCreated');
    assert.equal(progressing?.message, `Created new replica set "web-${hash}"`);
  });

  test('rolling update: the new ReplicaSet surges first, then old replicas go within maxUnavailable', async () => {
    const d = deployment('web', 4, 'nginx:2'); // maxSurge 1, maxUnavailable 1
    const old = ownedRS(d, 4, { image: 'nginx:1', revision: 1 });
    let f = await fixture([[DEPLOYMENTS, [d]], [REPLICASETS, [old]], [PODS, []]]);
    await run(f, d);
    const created = f.client.writes().find((a) => a.verb === 'create')!.object as ReplicaSet;
    assert.equal(created.spec.replicas, 1);
    assert.equal(created.metadata.annotations?.[REVISION_ANNOTATION], '2');
    // 4 available, at least 3 needed: one old replica may go in the same pass.
    assert.equal(rsUpdates(f).get(old.metadata.name!)?.spec.replicas, 3);
    assert.deepEqual(f.recorder.events, [`Normal ScalingReplicaSet Scaled up replica set ${created.metadata.name} to 1 from 0`, `Normal ScalingReplicaSet Scaled down replica set ${old.metadata.name} to 3 from 4`]);

    // Next pass: new at 1 (not available), old at 3: the surge allows one more new replica.
    const old3 = ownedRS(d, 3, { image: 'nginx:1', revision: 1 });
    const fresh = ownedRS(d, 1, { image: 'nginx:2', revision: 2, available: 0, age: 1 });
    f = await fixture([[DEPLOYMENTS, [d]], [REPLICASETS, [old3, fresh]], [PODS, []]]);
    await run(f, d);
    assert.equal(rsUpdates(f).get(fresh.metadata.name!)?.spec.replicas, 2);
    assert.equal(rsUpdates(f).has(old3.metadata.name!), false);

    // New at 2, none available yet: total 5 = 4 + surge, and only 3 available: nothing may move.
    const fresh2 = ownedRS(d, 2, { image: 'nginx:2', revision: 2, available: 0, age: 1 });
    f = await fixture([[DEPLOYMENTS, [d]], [REPLICASETS, [old3, fresh2]], [PODS, []]]);
    await run(f, d);
    assert.equal(rsUpdates(f).size, 0);
    const status = lastStatus(f)!;
    assert.equal(status.replicas, 5);
    assert.equal(status.updatedReplicas, 2);
    assert.equal(status.availableReplicas, 3);
    assert.equal(status.unavailableReplicas, 2);
    assert.equal(status.conditions?.find((c) => c.type === 'Available')?.status, 'True');
    assert.equal(status.conditions?.find((c) => c.type === 'Progressing')?.reason, 'ReplicaSetUpdated');
  });

  test('rollback: the old ReplicaSet whose template matches again gets the next revision and keeps its history', async () => {
    const d = deployment('web', 2, 'nginx:1');
    const v1 = ownedRS(d, 0, { image: 'nginx:1', revision: 1, age: 20 });
    const v2 = ownedRS(d, 2, { image: 'nginx:2', revision: 2, age: 10 });
    d.metadata.annotations = { [REVISION_ANNOTATION]: '2' };
    const f = await fixture([[DEPLOYMENTS, [d]], [REPLICASETS, [v1, v2]], [PODS, []]]);
    await run(f, d);
    const first = f.client.writes().find((a) => a.resource === 'replicasets' && a.verb === 'update' && a.name === v1.metadata.name)!.object as ReplicaSet;
    assert.equal(first.metadata.annotations?.[REVISION_ANNOTATION], '3');
    assert.equal(first.metadata.annotations?.[REVISION_HISTORY_ANNOTATION], '1');
    const stored = await f.client.get<Deployment>(DEPLOYMENTS, 'default', 'web');
    assert.equal(stored.metadata.annotations?.[REVISION_ANNOTATION], '3');
    // And the rollout starts: the old template's ReplicaSet scales up within the surge.
    assert.ok(f.recorder.events.some((e) => e.startsWith(`Normal ScalingReplicaSet Scaled up replica set ${v1.metadata.name} to 1 from 0`)), f.recorder.events.join('\n'));
  });

  test('Recreate: old ReplicaSets go to 0 first; the new one waits until their pods are gone', async () => {
    const d = deployment('web', 2, 'nginx:2');
    d.spec.strategy = { type: 'Recreate' };
    const old = ownedRS(d, 2, { image: 'nginx:1' });
    let f = await fixture([[DEPLOYMENTS, [d]], [REPLICASETS, [old]], [PODS, []]]);
    await run(f, d);
    assert.equal(rsUpdates(f).get(old.metadata.name!)?.spec.replicas, 0);
    assert.equal(f.client.writes().filter((a) => a.verb === 'create').length, 0);

    const oldAtZero = { ...old, spec: { ...old.spec, replicas: 0 }, status: { replicas: 0, observedGeneration: 1 } };
    const lingering = pod('old-pod', { owner: ownedBy(old), labels: { app: 'web', 'pod-template-hash': old.metadata.labels!['pod-template-hash'] } });
    f = await fixture([[DEPLOYMENTS, [d]], [REPLICASETS, [oldAtZero]], [PODS, [lingering]]]);
    await run(f, d);
    assert.equal(f.client.writes().filter((a) => a.verb === 'create').length, 0, 'an old pod is still running');

    f = await fixture([[DEPLOYMENTS, [d]], [REPLICASETS, [oldAtZero]], [PODS, []]]);
    await run(f, d);
    const created = f.client.writes().find((a) => a.verb === 'create')!.object as ReplicaSet;
    assert.equal(created.spec.replicas, 2);
  });

  test('paused: no new ReplicaSet for a changed template, but scaling works and Progressing says DeploymentPaused', async () => {
    const d = deployment('web', 5, 'nginx:2');
    d.spec.paused = true;
    const old = ownedRS(d, 3, { image: 'nginx:1', desired: 3, max: 4 });
    const f = await fixture([[DEPLOYMENTS, [d]], [REPLICASETS, [old]], [PODS, []]]);
    await run(f, d);
    assert.equal(f.client.writes().filter((a) => a.verb === 'create').length, 0);
    const scaled = rsUpdates(f).get(old.metadata.name!)!;
    assert.equal(scaled.spec.replicas, 5);
    assert.equal(scaled.metadata.annotations?.[DESIRED_REPLICAS_ANNOTATION], '5');
    const stored = await f.client.get<Deployment>(DEPLOYMENTS, 'default', 'web');
    const progressing = stored.status?.conditions?.find((c) => c.type === 'Progressing');
    assert.deepEqual([progressing?.status, progressing?.reason, progressing?.message], ['Unknown', 'DeploymentPaused', 'Deployment is paused']);
  });

  test('proportional scaling spreads a replica change over the active ReplicaSets of a rollout', async () => {
    const d = deployment('web', 20, 'nginx:2'); // was 10 with maxSurge 3: the RSes are annotated max-replicas 13
    const old = ownedRS(d, 8, { image: 'nginx:1', desired: 10, max: 13, age: 20 });
    const fresh = ownedRS(d, 5, { image: 'nginx:2', desired: 10, max: 13, revision: 2, available: 0, age: 1 });
    const f = await fixture([[DEPLOYMENTS, [d]], [REPLICASETS, [old, fresh]], [PODS, []]]);
    await run(f, d);
    const updates = rsUpdates(f);
    // allowed 20 + 5 = 25, current 13: +12 split 8*25/13 -> 15 (+7) and 5*25/13 -> 10 (+5).
    assert.equal(updates.get(old.metadata.name!)?.spec.replicas, 15);
    assert.equal(updates.get(fresh.metadata.name!)?.spec.replicas, 10);
  });

  test('a rollout without progress past progressDeadlineSeconds is ProgressDeadlineExceeded', async () => {
    const d = deployment('web', 2, 'nginx:2');
    d.spec.progressDeadlineSeconds = 60;
    const old = ownedRS(d, 1, { image: 'nginx:1' });
    const fresh = ownedRS(d, 2, { image: 'nginx:2', revision: 2, available: 0, age: 1 });
    fresh.status = { replicas: 2, observedGeneration: 1 };
    const tenMinAgo = nowTimestamp(new Date(Date.now() - 600_000));
    d.status = {
      observedGeneration: 1, replicas: 3, updatedReplicas: 2, readyReplicas: 1, availableReplicas: 1, unavailableReplicas: 2,
      conditions: [
        { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.', lastUpdateTime: tenMinAgo, lastTransitionTime: tenMinAgo },
        { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: 'x', lastUpdateTime: tenMinAgo, lastTransitionTime: tenMinAgo },
      ],
    };
    d.metadata.annotations = { [REVISION_ANNOTATION]: '2' };
    const f = await fixture([[DEPLOYMENTS, [d]], [REPLICASETS, [old, fresh]], [PODS, []]]);
    await run(f, d);
    const progressing = lastStatus(f)?.conditions?.find((c) => c.type === 'Progressing');
    assert.equal(progressing?.status, 'False');
    assert.equal(progressing?.reason, 'ProgressDeadlineExceeded');
    assert.equal(progressing?.message, `ReplicaSet "${fresh.metadata.name}" has timed out progressing.`);
  });

  test('a complete rollout reports NewReplicaSetAvailable and prunes old ReplicaSets beyond revisionHistoryLimit', async () => {
    const d = deployment('web', 2, 'nginx:3');
    d.spec.revisionHistoryLimit = 1;
    d.metadata.annotations = { [REVISION_ANNOTATION]: '3' };
    const v1 = ownedRS(d, 0, { image: 'nginx:1', revision: 1, age: 30 });
    const v2 = ownedRS(d, 0, { image: 'nginx:2', revision: 2, age: 20 });
    v1.status = { replicas: 0, observedGeneration: 1 };
    v2.status = { replicas: 0, observedGeneration: 1 };
    const v3 = ownedRS(d, 2, { image: 'nginx:3', revision: 3, age: 10 });
    d.status = { observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 };
    const f = await fixture([[DEPLOYMENTS, [d]], [REPLICASETS, [v1, v2, v3]], [PODS, []]]);
    await run(f, d);
    assert.deepEqual(f.client.writes().filter((a) => a.verb === 'delete').map((a) => a.name), [v1.metadata.name]);
    const progressing = lastStatus(f)?.conditions?.find((c) => c.type === 'Progressing');
    assert.equal(progressing?.reason, 'NewReplicaSetAvailable');
    assert.equal(progressing?.message, `ReplicaSet "${v3.metadata.name}" has successfully progressed.`);
  });

  test('adopts an orphan ReplicaSet matching the selector', async () => {
    const d = deployment('web', 1);
    const orphan = ownedRS(d, 1);
    delete orphan.metadata.ownerReferences;
    const f = await fixture([[DEPLOYMENTS, [d]], [REPLICASETS, [orphan]], [PODS, []]]);
    await run(f, d);
    const patch = f.client.writes().find((a) => a.resource === 'replicasets' && a.verb === 'patch')!;
    assert.deepEqual((patch.patch as { metadata: { ownerReferences: unknown } }).metadata.ownerReferences, [ownedBy(d, 'Deployment')]);
    assert.equal(f.client.writes().filter((a) => a.verb === 'create').length, 0, 'the adopted ReplicaSet is the new one');
  });
});
