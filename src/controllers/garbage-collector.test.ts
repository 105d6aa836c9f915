import { beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/object.ts';
import { findResource } from '../api/registry.ts';
import { FakeClient } from '../client/fake-client.ts';
import { seededListers, type ReconcileContext } from '../machinery/controller.ts';
import { FakeRecorder } from '../machinery/event-recorder.ts';
import { collectedResources, garbageCollectorController, gcKey, keysForObject, ownerResource } from './garbage-collector.ts';

const CM = findResource('', 'v1', 'configmaps')!;
const RS = findResource('apps', 'v1', 'replicasets')!;
const PODS = findResource('', 'v1', 'pods')!;
const NODES = findResource('', 'v1', 'nodes')!;

type Ref = { kind: string; name: string; uid: string; apiVersion?: string; blockOwnerDeletion?: boolean };

function obj(kind: string, name: string, uid: string, owners: Ref[] = [], extra: Partial<KubeObject['metadata']> = {}): KubeObject {
  const apiVersion = kind === 'ReplicaSet' ? 'apps/v1' : 'v1';
  const ownerReferences = owners.map((o) => ({ apiVersion: o.apiVersion ?? (o.kind === 'ReplicaSet' ? 'apps/v1' : 'v1'), kind: o.kind, name: o.name, uid: o.uid, ...(o.blockOwnerDeletion ? { blockOwnerDeletion: true } : {}) }));
  return { apiVersion, kind, metadata: { namespace: 'ns', name, uid, ...(owners.length ? { ownerReferences } : {}), ...extra } };
}

/** Seeds objects into both the fake API and the listers, as a synced cache would hold them. */
function setup(seed: [typeof CM, KubeObject[]][], apiOnly: [typeof CM, KubeObject[]][] = []): { client: FakeClient; ctx: ReconcileContext } {
  const client = new FakeClient();
  for (const [ref, objs] of [...seed, ...apiOnly]) client.seed(ref, ...objs);
  const ctx: ReconcileContext = { client, listers: seededListers(seed), recorder: new FakeRecorder(), signal: new AbortController().signal, log: () => {} };
  return { client, ctx };
}

const writes = (client: FakeClient): string[] => client.writes().map((a) => `${a.verb} ${a.resource} ${a.name}`);

describe('garbage collector', () => {
  // A fresh collector per test: its absent-owner cache assumes uids are never reused.
  let gc = garbageCollectorController();
  beforeEach(() => {
    gc = garbageCollectorController();
  });

  test('watches every list/watch/delete resource once, without events', () => {
    const ids = collectedResources().map((r) => `${r.group}/${r.version}/${r.resource}`);
    assert.ok(ids.includes('/v1/configmaps') && ids.includes('apps/v1/replicasets'));
    assert.ok(!ids.some((id) => id.endsWith('/events')));
    assert.ok(!ids.includes('autoscaling/v1/horizontalpodautoscalers'), 'only the stored HPA version');
    assert.ok(!ids.includes('/v1/bindings'));
    assert.equal(gc.watches.length, ids.length);
    assert.equal(ownerResource({ apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler' })?.version, 'v2');
  });

  test('an event wakes the object and each resolvable owner', () => {
    const pod = obj('Pod', 'p', 'pu', [{ kind: 'ReplicaSet', name: 'rs', uid: 'ru' }, { kind: 'Node', name: 'n1', uid: 'nu' }, { kind: 'Nope', name: 'x', uid: 'xu' }]);
    assert.deepEqual(keysForObject(PODS, pod), [gcKey(PODS, 'ns', 'p', 'pu'), gcKey(RS, 'ns', 'rs', 'ru'), gcKey(NODES, undefined, 'n1', 'nu')]);
  });

  test('background: a dependent whose owner is gone is deleted', async () => {
    const dep = obj('ConfigMap', 'dep', 'du', [{ kind: 'ConfigMap', name: 'owner', uid: 'ou' }]);
    const { client, ctx } = setup([[CM, [dep]]]);
    await gc.reconcile(ctx, gcKey(CM, 'ns', 'dep', 'du'));
    assert.deepEqual(writes(client), ['delete configmaps dep']);
    // The owner was confirmed absent with a live GET before deleting.
    assert.ok(client.actions.some((a) => a.verb === 'get' && a.name === 'owner'));
  });

  test('a deleted owner key collects its dependents, not unrelated objects', async () => {
    const dep = obj('ConfigMap', 'dep', 'du', [{ kind: 'ConfigMap', name: 'owner', uid: 'ou' }]);
    const other = obj('ConfigMap', 'other', 'xu', [{ kind: 'ConfigMap', name: 'alive', uid: 'au' }]);
    const alive = obj('ConfigMap', 'alive', 'au');
    const { client, ctx } = setup([[CM, [dep, other, alive]]]);
    await gc.reconcile(ctx, gcKey(CM, 'ns', 'owner', 'ou'));
    assert.deepEqual(writes(client), ['delete configmaps dep']);
  });

  test('a live owner keeps its dependent, also when only the server has it yet', async () => {
    const dep = obj('ConfigMap', 'dep', 'du', [{ kind: 'ConfigMap', name: 'owner', uid: 'ou' }]);
    const { client, ctx } = setup([[CM, [dep]]], [[CM, [obj('ConfigMap', 'owner', 'ou')]]]);
    await gc.reconcile(ctx, gcKey(CM, 'ns', 'dep', 'du'));
    assert.deepEqual(writes(client), []);
  });

  test('an owner recreated with another uid does not keep the dependent', async () => {
    const dep = obj('ConfigMap', 'dep', 'du', [{ kind: 'ConfigMap', name: 'owner', uid: 'old' }]);
    const { client, ctx } = setup([[CM, [dep, obj('ConfigMap', 'owner', 'new')]]]);
    await gc.reconcile(ctx, gcKey(CM, 'ns', 'dep', 'du'));
    assert.deepEqual(writes(client), ['delete configmaps dep']);
  });

  test('with one live owner left, only the dangling reference is removed', async () => {
    const dep = obj('ConfigMap', 'dep', 'du', [{ kind: 'ConfigMap', name: 'gone', uid: 'gu' }, { kind: 'ConfigMap', name: 'alive', uid: 'au' }]);
    const { client, ctx } = setup([[CM, [dep, obj('ConfigMap', 'alive', 'au')]]]);
    await gc.reconcile(ctx, gcKey(CM, 'ns', 'dep', 'du'));
    assert.deepEqual(writes(client), ['patch configmaps dep']);
    const after = await client.get(CM, 'ns', 'dep');
    assert.deepEqual(after.metadata.ownerReferences?.map((r) => r.uid), ['au']);
  });

  test('orphan: references to the owner are removed, then its orphan finalizer', async () => {
    const owner = obj('ConfigMap', 'owner', 'ou', [], { deletionTimestamp: '2024-01-01T00:00:00Z', finalizers: ['orphan', 'example.com/keep'] });
    const dep = obj('ConfigMap', 'dep', 'du', [{ kind: 'ConfigMap', name: 'owner', uid: 'ou' }]);
    const { client, ctx } = setup([[CM, [owner, dep]]]);
    await gc.reconcile(ctx, gcKey(CM, 'ns', 'owner', 'ou'));
    assert.deepEqual(writes(client), ['patch configmaps dep', 'patch configmaps owner']);
    assert.equal((await client.get(CM, 'ns', 'dep')).metadata.ownerReferences, undefined);
    assert.deepEqual((await client.get(CM, 'ns', 'owner')).metadata.finalizers, ['example.com/keep']);
  });

  test('foreground: dependents are deleted, blocking ones first; the finalizer stays while they exist', async () => {
    const owner = obj('ReplicaSet', 'rs', 'ru', [], { deletionTimestamp: '2024-01-01T00:00:00Z', finalizers: ['foregroundDeletion'] });
    const loose = obj('Pod', 'a-loose', 'p1', [{ kind: 'ReplicaSet', name: 'rs', uid: 'ru' }]);
    const blocking = obj('Pod', 'b-blocking', 'p2', [{ kind: 'ReplicaSet', name: 'rs', uid: 'ru', blockOwnerDeletion: true }]);
    const { client, ctx } = setup([[RS, [owner]], [PODS, [loose, blocking]]]);
    await gc.reconcile(ctx, gcKey(RS, 'ns', 'rs', 'ru'));
    assert.deepEqual(writes(client), ['delete pods b-blocking', 'delete pods a-loose']);
  });

  test('foreground: without blocking dependents the finalizer is removed', async () => {
    const owner = obj('ReplicaSet', 'rs', 'ru', [], { deletionTimestamp: '2024-01-01T00:00:00Z', finalizers: ['foregroundDeletion'] });
    const loose = obj('Pod', 'loose', 'p1', [{ kind: 'ReplicaSet', name: 'rs', uid: 'ru' }]);
    const { client, ctx } = setup([[RS, [owner]], [PODS, [loose]]]);
    await gc.reconcile(ctx, gcKey(RS, 'ns', 'rs', 'ru'));
    assert.deepEqual(writes(client), ['patch replicasets rs']);
    assert.equal((await client.get(RS, 'ns', 'rs')).metadata.finalizers, undefined);
  });

  test('a dependent of a foreground owner that has dependents itself is deleted in the foreground', async () => {
    const owner = obj('ReplicaSet', 'rs', 'ru', [], { deletionTimestamp: '2024-01-01T00:00:00Z', finalizers: ['foregroundDeletion'] });
    const mid = obj('ConfigMap', 'mid', 'mu', [{ kind: 'ReplicaSet', name: 'rs', uid: 'ru', blockOwnerDeletion: true }]);
    const leaf = obj('ConfigMap', 'leaf', 'lu', [{ kind: 'ConfigMap', name: 'mid', uid: 'mu' }]);
    const { client, ctx } = setup([[RS, [owner]], [CM, [mid, leaf]]]);
    const policies: unknown[] = [];
    const del = client.delete.bind(client);
    client.delete = async (ref, ns, name, opts) => (policies.push(opts?.propagationPolicy), del(ref, ns, name, opts));
    await gc.reconcile(ctx, gcKey(RS, 'ns', 'rs', 'ru'));
    assert.deepEqual(writes(client), ['delete configmaps mid']);
    assert.deepEqual(policies, ['Foreground']);
  });

  test('objects without owners and objects being deleted are left alone', async () => {
    const plain = obj('ConfigMap', 'plain', 'pu');
    const going = obj('ConfigMap', 'going', 'gu', [{ kind: 'ConfigMap', name: 'x', uid: 'xu' }], { deletionTimestamp: '2024-01-01T00:00:00Z', finalizers: ['example.com/f'] });
    const { client, ctx } = setup([[CM, [plain, going]]]);
    await gc.reconcile(ctx, gcKey(CM, 'ns', 'plain', 'pu'));
    await gc.reconcile(ctx, gcKey(CM, 'ns', 'going', 'gu'));
    assert.deepEqual(writes(client), []);
  });
});
