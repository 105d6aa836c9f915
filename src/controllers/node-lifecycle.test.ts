import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/object.ts';
import { findResource } from '../api/registry.ts';
import { FakeClient } from '../client/fake-client.ts';
import { refId, type ResourceRef } from '../client/resource-ref.ts';
import type { Listers, ReconcileContext } from '../machinery/controller.ts';
import { FakeRecorder } from '../machinery/event-recorder.ts';
import { Indexer } from '../machinery/indexer.ts';
import { deepFreeze } from '../machinery/informer.ts';
import { Lister } from '../machinery/lister.ts';
import { NODE_LEASE_NAMESPACE, POD_NODE_NAME_INDEX, nodeLifecycleController, wantedTaints } from './node-lifecycle.ts';
import type { NodeObject } from './node-health.ts';
import { matchingTolerations, minTolerationMs, reconcileTaints, toleratesTaint } from './node-taints.ts';

const NODES = findResource('', 'v1', 'nodes')!;
const PODS = findResource('', 'v1', 'pods')!;
const LEASES = findResource('coordination.k8s.io', 'v1', 'leases')!;
const T0 = Date.parse('2025-01-01T00:00:00Z');

/** Listers over the FakeClient's current objects, with the pods' nodeName index the controller declares. */
async function listersOf(client: FakeClient): Promise<Listers> {
  const indexers = new Map<string, Indexer>();
  for (const ref of [NODES, PODS, LEASES]) {
    const indexer = new Indexer();
    if (ref === PODS) indexer.addIndexers({ [POD_NODE_NAME_INDEX]: (p) => [(p.spec as { nodeName?: string }).nodeName ?? ''] });
    for (const obj of (await client.list(ref)).items) indexer.set(deepFreeze(obj));
    indexers.set(refId(ref), indexer);
  }
  return { get: <T extends KubeObject>(ref: ResourceRef) => new Lister(indexers.get(refId(ref))! as unknown as Indexer<T>) };
}

function readyNode(name: string, status = 'True'): NodeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, creationTimestamp: '2024-12-31T23:00:00Z' },
    spec: {},
    status: { conditions: [{ type: 'Ready', status, reason: 'KubeletReady', lastHeartbeatTime: '2024-12-31T23:59:59Z', lastTransitionTime: '2024-12-31T23:00:00Z' }] },
  };
}

function lease(name: string, renewTime: string): KubeObject {
  return { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { namespace: NODE_LEASE_NAMESPACE, name }, spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime } };
}

function pod(name: string, node: string, tolerations?: unknown[]): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'ns', name }, spec: { nodeName: node, containers: [{ name: 'c', image: 'x' }], tolerations }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } };
}

class Harness {
  readonly client = new FakeClient();
  readonly recorder = new FakeRecorder();
  now = T0;
  readonly controller = nodeLifecycleController({ now: () => this.now });

  async reconcile(key: string) {
    const ctx: ReconcileContext = { client: this.client, listers: await listersOf(this.client), recorder: this.recorder, signal: new AbortController().signal, log: () => {} };
    this.client.actions.length = 0;
    return this.controller.reconcile(ctx, key);
  }

  /** The kubelet renews its lease at the current fake time. */
  async renew(name: string): Promise<void> {
    await this.client.update(LEASES, lease(name, new Date(this.now).toISOString().replace('Z', '000Z')));
  }

  async node(name: string): Promise<NodeObject> {
    return this.client.get<NodeObject>(NODES, undefined, name);
  }
}

describe('toleration helpers', () => {
  test('ToleratesTaint: effect, key, Exists and Equal', () => {
    const taint = { key: 'k', value: 'v', effect: 'NoExecute' };
    assert.equal(toleratesTaint({ key: 'k', operator: 'Equal', value: 'v', effect: 'NoExecute' }, taint), true);
    assert.equal(toleratesTaint({ key: 'k', value: 'v' }, taint), true, 'empty effect matches all, empty operator is Equal');
    assert.equal(toleratesTaint({ key: 'k', value: 'w' }, taint), false);
    assert.equal(toleratesTaint({ key: 'k', operator: 'Exists', effect: 'NoSchedule' }, taint), false);
    assert.equal(toleratesTaint({ operator: 'Exists' }, taint), true, 'empty key with Exists tolerates everything');
  });

  test('min toleration time: smallest seconds, forever without seconds', () => {
    const taints = [{ key: 'a', effect: 'NoExecute' }, { key: 'b', effect: 'NoExecute' }];
    const m = matchingTolerations(taints, [{ key: 'a', operator: 'Exists', tolerationSeconds: 30 }, { key: 'b', operator: 'Exists', tolerationSeconds: 10 }]);
    assert.equal(m.tolerated, true);
    assert.equal(minTolerationMs(m.used), 10_000);
    assert.equal(minTolerationMs(matchingTolerations(taints, [{ operator: 'Exists' }]).used), -1);
    assert.equal(matchingTolerations(taints, [{ key: 'a', operator: 'Exists' }]).tolerated, false);
  });

  test('reconcileTaints keeps foreign taints and the timeAdded of kept ones', () => {
    const current = [{ key: 'user', effect: 'NoSchedule' }, { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: 'old' }];
    const out = reconcileTaints(current, [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: 'new' }], (t) => t.key.startsWith('node.kubernetes.io/'));
    assert.deepEqual(out, current);
    assert.deepEqual(reconcileTaints(current, [], (t) => t.key.startsWith('node.kubernetes.io/')), [current[0]]);
  });

  test('wanted taints follow Ready, pressure conditions and spec.unschedulable', () => {
    const node = readyNode('n', 'False');
    node.status!.conditions!.push({ type: 'DiskPressure', status: 'True' });
    node.spec = { unschedulable: true };
    assert.deepEqual(wantedTaints(node, T0).map((t) => `${t.key}:${t.effect}`), [
      'node.kubernetes.io/not-ready:NoExecute',
      'node.kubernetes.io/not-ready:NoSchedule',
      'node.kubernetes.io/disk-pressure:NoSchedule',
      'node.kubernetes.io/unschedulable:NoSchedule',
    ]);
  });
});

describe('node lifecycle controller', () => {
  test('a node whose lease keeps being renewed stays Ready and untouched', async () => {
    const h = new Harness();
    h.client.seed(NODES, readyNode('n1'));
    h.client.seed(LEASES, lease('n1', '2025-01-01T00:00:00.000000Z'));
    const first = await h.reconcile('n1');
    assert.deepEqual(h.client.writes(), []);
    assert.equal(first?.requeueAfterMs, 40_001, 're-check when the grace period runs out');
    h.now += 35_000;
    await h.client.update(LEASES, lease('n1', '2025-01-01T00:00:35.000000Z'));
    h.now += 35_000; // 70 s after start, but only 35 s after the renewal
    await h.reconcile('n1');
    assert.deepEqual(h.client.writes(), []);
  });

  test('a silent node turns Unknown, gets the unreachable taints and its pods turn NotReady; recovery removes the taints', async () => {
    const h = new Harness();
    h.client.seed(NODES, readyNode('n1'));
    h.client.seed(LEASES, lease('n1', '2025-01-01T00:00:00.000000Z'));
    h.client.seed(PODS, pod('p1', 'n1', [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }]));
    await h.reconcile('n1');
    h.now += 41_000;
    await h.reconcile('n1');
    const node = await h.node('n1');
    const ready = node.status!.conditions!.find((c) => c.type === 'Ready')!;
    assert.equal(ready.status, 'Unknown');
    assert.equal(ready.reason, 'NodeStatusUnknown');
    assert.equal(ready.message, 'Kubelet stopped posting node status.');
    assert.equal(ready.lastHeartbeatTime, '2024-12-31T23:59:59Z', 'heartbeat time is the last one the kubelet posted');
    assert.deepEqual(node.status!.conditions!.map((c) => `${c.type}=${c.status}`), ['Ready=Unknown', 'MemoryPressure=Unknown', 'DiskPressure=Unknown', 'PIDPressure=Unknown']);
    assert.equal(node.status!.conditions![1].reason, 'NodeStatusNeverUpdated');
    assert.deepEqual(node.spec!.taints, [
      { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: '2025-01-01T00:00:41Z' },
      { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' },
    ]);
    const podWrite = h.client.writes().find((w) => w.resource === 'pods' && w.verb === 'patch');
    assert.deepEqual((podWrite?.patch as { status: { conditions: { status: string }[] } }).status.conditions[0].status, 'False');
    assert.ok(h.recorder.events.includes('Normal NodeNotReady Node n1 status is now: NodeNotReady'));
    assert.ok(h.recorder.events.includes('Warning NodeNotReady Node is not ready'));
    assert.equal(h.client.writes().filter((w) => w.verb === 'delete').length, 0, 'the pod tolerates unreachable for 300 s');

    // The kubelet comes back: renews its lease and posts Ready=True.
    h.now += 5_000;
    const back = readyNode('n1');
    back.status!.conditions![0].lastHeartbeatTime = '2025-01-01T00:00:46Z';
    await h.client.updateStatus(NODES, { ...back, spec: node.spec, metadata: { ...back.metadata, resourceVersion: undefined } });
    await h.client.update(LEASES, lease('n1', '2025-01-01T00:00:46.000000Z'));
    await h.reconcile('n1');
    assert.equal((await h.node('n1')).spec!.taints, undefined, 'taints removed once healthy');
    assert.ok(h.recorder.events.includes('Normal TaintManagerEviction Cancelling deletion of Pod ns/p1'));
  });

  test('taint-based eviction: untolerated pods at once, tolerationSeconds after a delay, no seconds never', async () => {
    const h = new Harness();
    const node = readyNode('n1', 'False');
    node.spec = { taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute', timeAdded: '2025-01-01T00:00:00Z' }, { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }] };
    h.client.seed(NODES, node);
    h.client.seed(LEASES, lease('n1', '2025-01-01T00:00:00.000000Z'));
    h.client.seed(PODS, pod('plain', 'n1'), pod('patient', 'n1', [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }]), pod('forever', 'n1', [{ operator: 'Exists' }]), pod('elsewhere', 'n2'));
    const result = await h.reconcile('n1');
    const deletes = () => h.client.writes().filter((w) => w.verb === 'delete').map((w) => w.name);
    assert.deepEqual(deletes(), ['plain']);
    const condition = h.client.writes().find((w) => w.verb === 'patch' && w.name === 'plain')!.patch as { status: { conditions: Record<string, string>[] } };
    assert.equal(condition.status.conditions[0].type, 'DisruptionTarget');
    assert.equal(condition.status.conditions[0].reason, 'DeletionByTaintManager');
    assert.deepEqual(h.recorder.events, ['Normal TaintManagerEviction Marking for deletion Pod ns/plain']);
    assert.equal(result?.requeueAfterMs, 40_001, 'requeued for the health check, the earlier of it and the eviction');

    h.now += 299_000;
    await h.renew('n1');
    const before = await h.reconcile('n1');
    assert.deepEqual(deletes(), []);
    assert.equal(before?.requeueAfterMs, 1_000, 'requeued for the tolerating pod');
    h.now += 1_000;
    await h.renew('n1');
    await h.reconcile('n1');
    assert.deepEqual(deletes(), ['patient']);
    assert.ok(await h.client.get(PODS, 'ns', 'forever'));
    assert.ok(await h.client.get(PODS, 'ns', 'elsewhere'));
  });

  test('a deleted node is forgotten', async () => {
    const h = new Harness();
    assert.equal(await h.reconcile('gone'), undefined);
    assert.deepEqual(h.client.writes(), []);
  });
});
