import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { conflict } from '../api/errors.ts';
import type { KubeObject } from '../api/object.ts';
import { findResource } from '../api/registry.ts';
import { FakeClient } from '../client/fake-client.ts';
import type { DeleteOptions, WriteOptions } from '../client/interface.ts';
import type { ResourceRef } from '../client/resource-ref.ts';
import { FakeRecorder } from '../machinery/event-recorder.ts';
import { SharedInformerFactory } from '../machinery/informer-factory.ts';
import { Scheduler } from './scheduler.ts';
import { makeNode, makePod } from './testing.ts';

const PODS = findResource('', 'v1', 'pods')!;
const NODES = findResource('', 'v1', 'nodes')!;
const PCS = findResource('scheduling.k8s.io', 'v1', 'priorityclasses')!;

/** A FakeClient that carries out pods/{name}/binding like the API server (sets spec.nodeName) and keeps delete options. */
class BindingClient extends FakeClient {
  readonly bindings: { pod: string; node: string }[] = [];
  readonly deletes: { name: string; opts?: DeleteOptions }[] = [];
  failBinds = 0;

  override async create<T extends KubeObject = KubeObject>(ref: ResourceRef, obj: T, opts: WriteOptions & { namespace?: string } = {}): Promise<T> {
    const m = /^pods\/([^/]+)\/binding$/.exec(ref.resource);
    if (!m) return super.create(ref, obj, opts);
    const name = decodeURIComponent(m[1]);
    const node = (obj as { target?: { name?: string } }).target?.name ?? '';
    this.actions.push({ verb: 'create', resource: ref.resource, namespace: opts.namespace, name, object: obj });
    if (this.failBinds > 0) {
      this.failBinds--;
      throw conflict('pods', '', name, 'the object has been modified; please apply your changes to the latest version and try again');
    }
    this.bindings.push({ pod: name, node });
    await this.patch(PODS, opts.namespace, name, { spec: { nodeName: node } }, { type: 'merge' });
    return obj;
  }

  override async delete(ref: ResourceRef, namespace: string | undefined, name: string, opts?: DeleteOptions): Promise<KubeObject> {
    this.deletes.push({ name, opts });
    return (await super.delete(ref, namespace, name, opts)) as KubeObject;
  }

  statusPatches(name: string): { status: Record<string, unknown> }[] {
    return this.actions.filter((a) => a.verb === 'patch' && a.subresource === 'status' && a.name === name).map((a) => a.patch as { status: Record<string, unknown> });
  }
}

async function until(check: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(5);
  }
}

/** A node with a Ready condition, as a kubelet reports it. */
function readyNode(name: string, cpu: string): ReturnType<typeof makeNode> {
  const n = makeNode(name, { cpu });
  return { ...n, status: { ...n.status, conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: 't0' }] } } as unknown as ReturnType<typeof makeNode>;
}

const obj = (o: unknown): KubeObject => o as KubeObject;
let factories: SharedInformerFactory[] = [];
afterEach(async () => {
  for (const f of factories) await f.shutdown();
  factories = [];
});

async function setup(nodes: ReturnType<typeof makeNode>[], pods: ReturnType<typeof makePod>[] = []): Promise<{ client: BindingClient; scheduler: Scheduler; recorder: FakeRecorder }> {
  const client = new BindingClient();
  for (const n of nodes) client.seed(NODES, obj(n));
  for (const p of pods) client.seed(PODS, obj({ ...p, metadata: { ...p.metadata, uid: undefined } }));
  const factory = new SharedInformerFactory(client);
  factories.push(factory);
  const recorder = new FakeRecorder();
  const scheduler = new Scheduler(client, factory, { recorder, queue: { initialBackoffMs: 1, maxBackoffMs: 1 } });
  assert.equal(await scheduler.waitForSync(), true);
  return { client, scheduler, recorder };
}

/** Schedules until the active queue is empty and every bind and write has settled. */
async function drain(s: Scheduler): Promise<void> {
  for (;;) {
    while (s.scheduleNext());
    await s.whenIdle();
    await delay(10); // let the watch deliver the results of those writes
    if (s.queue.stats().active === 0) return;
  }
}

describe('Scheduler', () => {
  test('binds pending pods through pods/binding, spreading them, and records Scheduled events', async () => {
    const pods = Array.from({ length: 6 }, (_, i) => makePod(`p${i}`, { cpu: '1' }));
    const { client, scheduler, recorder } = await setup([makeNode('a'), makeNode('b'), makeNode('c')], pods);
    assert.equal(scheduler.queue.stats().active, 6);
    await drain(scheduler);
    const perNode = new Map<string, number>();
    for (const b of client.bindings) perNode.set(b.node, (perNode.get(b.node) ?? 0) + 1);
    assert.deepEqual([...perNode.values()], [2, 2, 2]);
    const bindAction = client.actions.find((a) => a.verb === 'create' && a.resource === 'pods/p0/binding');
    assert.deepEqual((bindAction?.object as { target?: unknown }).target, { kind: 'Node', name: client.bindings.find((b) => b.pod === 'p0')!.node });
    assert.ok(recorder.events.includes(`Normal Scheduled Successfully assigned default/p0 to ${client.bindings.find((b) => b.pod === 'p0')!.node}`));
    // The bound pods were confirmed by the informer and now count on their nodes.
    await until(() => scheduler.snapshot.nodeInfoList().every((n) => n.pods.length === 2 && !scheduler.snapshot.isAssumed(n.pods[0].pod)), 'bound pods in the snapshot');
    assert.deepEqual(scheduler.queue.stats(), { active: 0, backoff: 0, unschedulable: 0, inFlight: 0 });
  });

  test('an unfit pod gets FailedScheduling and PodScheduled=False, parks until a node change can help, then schedules', async () => {
    const { client, scheduler, recorder } = await setup([readyNode('a', '1'), readyNode('b', '1'), readyNode('c', '1')], [makePod('big', { cpu: '2' })]);
    await drain(scheduler);
    const msg = '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod..';
    assert.deepEqual(recorder.events, [`Warning FailedScheduling ${msg}`]);
    const patches = client.statusPatches('big');
    assert.equal(patches.length, 1);
    const [cond] = patches[0].status.conditions as Record<string, unknown>[];
    assert.deepEqual({ ...cond, lastTransitionTime: undefined }, { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: msg, lastProbeTime: null, lastTransitionTime: undefined });
    await until(() => scheduler.queue.stats().unschedulable === 1, 'pod parked as unschedulable');
    // Neither our own status patch (status-only) nor a node heartbeat moves it back.
    const a = await client.get(NODES, undefined, 'a');
    await client.update(NODES, { ...a, status: { ...(a.status as object), conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: 'later' }] } });
    await delay(20);
    assert.deepEqual(scheduler.queue.stats(), { active: 0, backoff: 0, unschedulable: 1, inFlight: 0 });
    // A node that still does not fit: one more attempt; the message changed (0/4), so the condition is patched again.
    await client.create(NODES, obj(readyNode('d', '1')));
    await until(() => scheduler.queue.stats().unschedulable === 0, 'NodeAdd moves the pod');
    await delay(5);
    await drain(scheduler);
    assert.match(recorder.events.at(-1)!, /^Warning FailedScheduling 0\/4 nodes are available: 4 Insufficient cpu\./);
    assert.equal(client.statusPatches('big').length, 2);
    // The same failure again (a relevant node update) writes the event but no new status patch.
    const d = await client.get(NODES, undefined, 'd');
    await client.update(NODES, { ...d, metadata: { ...d.metadata, labels: { zone: 'z' } } });
    await until(() => scheduler.queue.stats().unschedulable === 0, 'NodeUpdate moves the pod');
    await delay(5);
    await drain(scheduler);
    assert.equal(recorder.events.length, 3);
    assert.equal(client.statusPatches('big').length, 2);
    await client.create(NODES, obj(readyNode('huge', '8')));
    await until(() => scheduler.queue.stats().unschedulable === 0, 'NodeAdd moves the pod');
    await delay(5);
    await drain(scheduler);
    assert.deepEqual(client.bindings, [{ pod: 'big', node: 'huge' }]);
  });

  test('ignores pods of other schedulers and terminal pods', async () => {
    const other = makePod('other', { spec: { schedulerName: 'my-scheduler', containers: [{ name: 'c' }] } });
    const done = { ...makePod('done'), status: { phase: 'Succeeded' } };
    const { scheduler } = await setup([makeNode('a')], [other, done]);
    assert.deepEqual(scheduler.queue.stats(), { active: 0, backoff: 0, unschedulable: 0, inFlight: 0 });
  });

  test('a failed bind is reported as SchedulerError and retried', async () => {
    const { client, scheduler, recorder } = await setup([makeNode('a')], [makePod('p')]);
    client.failBinds = 1;
    await drain(scheduler);
    const first = recorder.events[0];
    assert.match(first, /^Warning FailedScheduling Operation cannot be fulfilled on pods "p"/);
    const cond = (client.statusPatches('p')[0].status.conditions as Record<string, unknown>[])[0];
    assert.equal(cond.reason, 'SchedulerError');
    assert.equal(scheduler.snapshot.get('a')!.pods.length, 0, 'the assumed pod was forgotten');
    await delay(5);
    await drain(scheduler);
    assert.deepEqual(client.bindings, [{ pod: 'p', node: 'a' }]);
  });

  test('preemption: resolves priority from the PriorityClass, evicts the victim, nominates the node, then binds', async () => {
    const victim = makePod('low', { cpu: '4', nodeName: 'a' });
    const { client, scheduler, recorder } = await setup([makeNode('a', { cpu: '4' })], [victim]);
    const lowUid = (await client.get(PODS, 'default', 'low')).metadata.uid;
    await client.create(PCS, obj({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'high' }, value: 1000 }));
    await delay(10);
    await client.create(PODS, obj(makePod('high', { cpu: '2', spec: { priorityClassName: 'high', containers: [{ name: 'c', resources: { requests: { cpu: '2' } } }] } })));
    await until(() => scheduler.queue.stats().active === 1, 'preemptor queued');
    await drain(scheduler);
    assert.deepEqual(client.deletes.map((d) => [d.name, d.opts?.preconditions?.uid]), [['low', lowUid]]);
    const disruption = (client.statusPatches('low')[0].status.conditions as Record<string, unknown>[])[0];
    assert.deepEqual([disruption.type, disruption.status, disruption.reason, disruption.message], ['DisruptionTarget', 'True', 'PreemptionByScheduler', 'default-scheduler: preempting to accommodate a higher priority pod']);
    assert.equal(client.statusPatches('high')[0].status.nominatedNodeName, 'a');
    const highUid = (await client.get(PODS, 'default', 'high')).metadata.uid;
    assert.ok(recorder.events.includes(`Normal Preempted Preempted by pod ${highUid} on node a`));
    assert.ok(recorder.events.includes('Warning FailedScheduling 0/1 nodes are available: 1 Insufficient cpu.'));
    await until(() => scheduler.queue.stats().unschedulable === 0, 'the victim deletion moves the preemptor');
    await delay(5);
    await drain(scheduler);
    assert.deepEqual(client.bindings, [{ pod: 'high', node: 'a' }]);
  });

  test('run() marks the event recorder busy while a backlog is bound, and idle once the queue is empty', async () => {
    const pods = Array.from({ length: 5 }, (_, i) => makePod(`b${i}`, { cpu: '100m' }));
    const client = new BindingClient();
    client.seed(NODES, obj(makeNode('a')));
    for (const p of pods) client.seed(PODS, obj({ ...p, metadata: { ...p.metadata, uid: undefined } }));
    const factory = new SharedInformerFactory(client);
    factories.push(factory);
    const busy: boolean[] = [];
    const recorder = Object.assign(new FakeRecorder(), { setBusy: (b: boolean) => void busy.push(b) });
    const scheduler = new Scheduler(client, factory, { recorder });
    const stop = new AbortController();
    const running = scheduler.run(stop.signal);
    await until(() => client.bindings.length === 5, 'all bound');
    await until(() => busy.at(-1) === false, 'idle again');
    stop.abort();
    await running;
    assert.deepEqual(busy.slice(0, 2), [true, false]);
    assert.equal(recorder.events.filter((e) => e.startsWith('Normal Scheduled')).length, 5);
  });
});
