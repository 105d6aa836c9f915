import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { nowTimestamp } from '../api/object.ts';
import { CONTROLLER_REVISIONS } from './controller-revision.ts';
import { DAEMONSETS, NODES, daemonSetController } from './daemonset.ts';
import { PODS } from './pod-control.ts';
import { fixture, resync, type Fixture } from './workload-fixtures.ts';
import type { DaemonSet, NodeObject } from './set-types.ts';
import type { Pod } from './workload-types.ts';

const ALL = [DAEMONSETS, PODS, NODES, CONTROLLER_REVISIONS];

function daemonSet(spec: Record<string, unknown> = {}, image = 'agent:1'): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: 'default', uid: 'uid-agent', generation: 1, resourceVersion: '1', creationTimestamp: nowTimestamp() },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image }], ...spec } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      revisionHistoryLimit: 10,
    },
    status: { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 },
  };
}

function node(name: string, labels: Record<string, string> = {}, taints: NodeObject['spec'] = {}): NodeObject {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels }, resourceVersion: '1' }, spec: taints };
}

function createdPods(f: Fixture): Pod[] {
  return f.client.writes().filter((a) => a.verb === 'create' && a.resource === 'pods').map((a) => a.object as Pod);
}

function pinnedNode(pod: Pod): string {
  const affinity = pod.spec!.affinity as { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: { matchFields: { values: string[] }[] }[] } } };
  return affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFields[0].values[0];
}

/** Binds every daemon pod to its pinned node and makes it Running and Ready (scheduler + kubelet). */
async function runPods(f: Fixture): Promise<void> {
  for (const p of (await f.client.list<Pod>(PODS)).items) {
    if (p.spec?.nodeName) continue;
    await f.client.patch(PODS, 'default', p.metadata.name!, { spec: { nodeName: pinnedNode(p) }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: nowTimestamp(new Date(Date.now() - 60_000)) }] } }, { type: 'merge' });
  }
}

describe('DaemonSet controller', () => {
  test('creates one pod per node, pinned by node affinity, with daemon tolerations and the revision hash', async () => {
    const f = await fixture([[DAEMONSETS, [daemonSet()]], [NODES, [node('n1'), node('n2')]], [PODS, []], [CONTROLLER_REVISIONS, []]]);
    await daemonSetController().reconcile(f.ctx, 'default/agent');
    const pods = createdPods(f);
    assert.deepEqual(pods.map(pinnedNode).sort(), ['n1', 'n2']);
    const p = pods[0];
    assert.equal(p.metadata.generateName, 'agent-');
    assert.equal(p.spec!.nodeName, undefined);
    const revision = (await f.client.list(CONTROLLER_REVISIONS)).items[0];
    const hash = revision.metadata.labels!['controller-revision-hash'];
    assert.equal(revision.metadata.name, `agent-${hash}`);
    assert.equal(p.metadata.labels!['controller-revision-hash'], hash);
    const keys = (p.spec!.tolerations as { key: string; effect: string }[]).map((t) => `${t.key}:${t.effect}`);
    assert.deepEqual(keys, [
      'node.kubernetes.io/not-ready:NoExecute',
      'node.kubernetes.io/unreachable:NoExecute',
      'node.kubernetes.io/disk-pressure:NoSchedule',
      'node.kubernetes.io/memory-pressure:NoSchedule',
      'node.kubernetes.io/pid-pressure:NoSchedule',
      'node.kubernetes.io/unschedulable:NoSchedule',
    ]);
    assert.match(f.recorder.events[0], /^Normal SuccessfulCreate Created pod: agent-\w+$/);
    const status = f.client.writes().find((a) => a.subresource === 'status')!.object as DaemonSet;
    assert.deepEqual(status.status, { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 2, numberReady: 0, numberUnavailable: 2, observedGeneration: 1 });
  });

  test('nodeSelector limits the nodes', async () => {
    const f = await fixture([[DAEMONSETS, [daemonSet({ nodeSelector: { disk: 'ssd' } })]], [NODES, [node('n1', { disk: 'ssd' }), node('n2')]], [PODS, []], [CONTROLLER_REVISIONS, []]]);
    await daemonSetController().reconcile(f.ctx, 'default/agent');
    assert.deepEqual(createdPods(f).map(pinnedNode), ['n1']);
  });

  test('a tainted node is skipped unless the pod tolerates the taint; default tolerations cover unschedulable', async () => {
    const tainted = node('tainted', {}, { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] });
    const cordoned = node('cordoned', {}, { unschedulable: true, taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] });
    let f = await fixture([[DAEMONSETS, [daemonSet()]], [NODES, [tainted, cordoned]], [PODS, []], [CONTROLLER_REVISIONS, []]]);
    await daemonSetController().reconcile(f.ctx, 'default/agent');
    assert.deepEqual(createdPods(f).map(pinnedNode), ['cordoned']);
    const tolerating = daemonSet({ tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }] });
    f = await fixture([[DAEMONSETS, [tolerating]], [NODES, [tainted]], [PODS, []], [CONTROLLER_REVISIONS, []]]);
    await daemonSetController().reconcile(f.ctx, 'default/agent');
    assert.deepEqual(createdPods(f).map(pinnedNode), ['tainted']);
  });

  test('a new node gets a pod, and its event wakes the DaemonSet', async () => {
    const controller = daemonSetController();
    let f = await fixture([[DAEMONSETS, [daemonSet()]], [NODES, [node('n1')]], [PODS, []], [CONTROLLER_REVISIONS, []]]);
    await controller.reconcile(f.ctx, 'default/agent');
    f = await resync(f, ALL);
    await runPods(f);
    await f.client.create(NODES, node('n2'));
    f = await resync(f, ALL);
    const nodeMap = controller.watches.find((w) => w.resource === NODES)!.map as (o: NodeObject) => string[];
    const n2 = f.ctx.listers.get<NodeObject>(NODES).get(undefined, 'n2')!;
    assert.deepEqual(nodeMap(n2), ['default/agent']);
    // A heartbeat-like update that changes no labels or taints wakes nothing.
    assert.deepEqual(nodeMap({ ...n2, metadata: { ...n2.metadata, resourceVersion: '999999' } }), []);
    await controller.reconcile(f.ctx, 'default/agent');
    assert.deepEqual(createdPods(f).map(pinnedNode), ['n2']);
  });

  test('a pod on a node the set no longer fits is deleted', async () => {
    let f = await fixture([[DAEMONSETS, [daemonSet()]], [NODES, [node('n1')]], [PODS, []], [CONTROLLER_REVISIONS, []]]);
    await daemonSetController().reconcile(f.ctx, 'default/agent');
    f = await resync(f, ALL);
    await runPods(f);
    await f.client.patch(NODES, undefined, 'n1', { spec: { taints: [{ key: 'evict', effect: 'NoExecute' }] } }, { type: 'merge' });
    f = await resync(f, ALL);
    await daemonSetController().reconcile(f.ctx, 'default/agent');
    assert.equal(f.client.writes().filter((a) => a.verb === 'delete' && a.resource === 'pods').length, 1);
  });

  test('rolling update replaces at most maxUnavailable pods at a time and status tracks updated pods', async () => {
    const controller = daemonSetController();
    let f = await fixture([[DAEMONSETS, [daemonSet()]], [NODES, [node('n1'), node('n2'), node('n3')]], [PODS, []], [CONTROLLER_REVISIONS, []]]);
    await controller.reconcile(f.ctx, 'default/agent');
    f = await resync(f, ALL);
    await runPods(f);
    f = await resync(f, ALL);
    await controller.reconcile(f.ctx, 'default/agent');
    const ready = await f.client.get<DaemonSet>(DAEMONSETS, 'default', 'agent');
    assert.equal(ready.status!.numberReady, 3);
    assert.equal(ready.status!.updatedNumberScheduled, 3);
    await f.client.patch(DAEMONSETS, 'default', 'agent', { metadata: { generation: 2 }, spec: { template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image: 'agent:2' }] } } } }, { type: 'merge' });
    f = await resync(f, ALL);
    await controller.reconcile(f.ctx, 'default/agent');
    const deletes = f.client.writes().filter((a) => a.verb === 'delete' && a.resource === 'pods');
    assert.equal(deletes.length, 1, 'one old pod at a time');
    assert.equal((await f.client.list(CONTROLLER_REVISIONS)).items.length, 2);
    // The manage loop recreates the deleted pod at the new revision; no further delete while it is not available.
    f = await resync(f, ALL);
    await controller.reconcile(f.ctx, 'default/agent');
    const recreated = createdPods(f);
    assert.equal(recreated.length, 1);
    assert.equal((recreated[0].spec!.containers as { image: string }[])[0].image, 'agent:2');
    f = await resync(f, ALL);
    await controller.reconcile(f.ctx, 'default/agent');
    assert.equal(f.client.writes().filter((a) => a.verb === 'delete').length, 0);
    const mid = await f.client.get<DaemonSet>(DAEMONSETS, 'default', 'agent');
    assert.equal(mid.status!.updatedNumberScheduled, 1);
    assert.equal(mid.status!.observedGeneration, 2);
    // Once it runs, the next old pod goes.
    await runPods(f);
    f = await resync(f, ALL);
    await controller.reconcile(f.ctx, 'default/agent');
    assert.equal(f.client.writes().filter((a) => a.verb === 'delete' && a.resource === 'pods').length, 1);
  });

  test('OnDelete never deletes old pods itself', async () => {
    const ds = daemonSet();
    ds.spec.updateStrategy = { type: 'OnDelete' };
    let f = await fixture([[DAEMONSETS, [ds]], [NODES, [node('n1')]], [PODS, []], [CONTROLLER_REVISIONS, []]]);
    await daemonSetController().reconcile(f.ctx, 'default/agent');
    f = await resync(f, ALL);
    await runPods(f);
    await f.client.patch(DAEMONSETS, 'default', 'agent', { spec: { template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image: 'agent:2' }] } } } }, { type: 'merge' });
    f = await resync(f, ALL);
    await daemonSetController().reconcile(f.ctx, 'default/agent');
    assert.equal(f.client.writes().filter((a) => a.verb === 'delete' && a.resource === 'pods').length, 0);
  });
});
