import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findResource } from '../api/registry.ts';
import type { KubeObject } from '../api/object.ts';
import { FakeClient } from '../client/fake-client.ts';
import type { KubeClient } from '../client/interface.ts';
import { ApiEventRecorder, type CoreEvent } from './event-recorder.ts';

const EVENTS = findResource('', 'v1', 'events')!;
const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'ns', name: 'web-1', uid: 'uid-1', resourceVersion: '7' } };
const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', uid: 'uid-n' } };

test('writes core/v1 Events in Kubernetes shape and bumps count for repeats', async () => {
  const client = new FakeClient();
  const recorder = new ApiEventRecorder(client, { component: 'replicaset-controller' });
  recorder.event(pod, 'Normal', 'SuccessfulCreate', 'Created pod: web-1');
  recorder.event(pod, 'Normal', 'SuccessfulCreate', 'Created pod: web-1');
  recorder.event(pod, 'Warning', 'FailedCreate', 'quota exceeded');
  recorder.event(node, 'Normal', 'NodeReady', 'Node n1 status is now: NodeReady');
  await recorder.flush();

  const writes = client.writes();
  // Writes for different events run concurrently; for one event the create precedes the bump.
  assert.deepEqual(writes.map((w) => w.verb).sort(), ['create', 'create', 'create', 'patch']);
  assert.ok(writes.findIndex((w) => w.verb === 'create' && w.object?.reason === 'SuccessfulCreate') < writes.findIndex((w) => w.verb === 'patch'));
  const events = (await client.list<CoreEvent>(EVENTS)).items;
  assert.equal(events.length, 3);
  const created = events.find((e) => e.reason === 'SuccessfulCreate')!;
  assert.match(created.metadata.name!, /^web-1\.[0-9a-f]+$/);
  assert.equal(created.metadata.namespace, 'ns');
  assert.deepEqual(created.involvedObject, { kind: 'Pod', namespace: 'ns', name: 'web-1', uid: 'uid-1', apiVersion: 'v1', resourceVersion: '7' });
  assert.equal(created.type, 'Normal');
  assert.deepEqual(created.source, { component: 'replicaset-controller' });
  assert.equal(created.reportingComponent, 'replicaset-controller');
  assert.equal(created.count, 2);
  assert.match(created.firstTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.ok(created.lastTimestamp >= created.firstTimestamp);
  assert.equal(events.find((e) => e.reason === 'FailedCreate')!.count, 1);
  assert.equal(events.find((e) => e.reason === 'NodeReady')!.metadata.namespace, 'default', 'cluster-scoped objects report in default');
});

test('a repeat whose Event was deleted is created again; write errors never throw', async () => {
  const client = new FakeClient();
  const logged: string[] = [];
  const recorder = new ApiEventRecorder(client, { component: 'c' }, (msg) => logged.push(msg));
  recorder.event(pod, 'Normal', 'R', 'm');
  await recorder.flush();
  const [event] = (await client.list(EVENTS)).items;
  await client.delete(EVENTS, 'ns', event.metadata.name!);
  recorder.event(pod, 'Normal', 'R', 'm');
  await recorder.flush();
  const [again] = (await client.list<CoreEvent>(EVENTS)).items;
  assert.equal(again.count, 2);

  client.reactor = () => {
    throw new Error('boom');
  };
  recorder.event(pod, 'Normal', 'Other', 'x');
  await recorder.flush();
  assert.deepEqual(logged, ['unable to write event']);
});

/** A client whose event creates wait until the test releases them; counts what is in flight. */
function gatedClient() {
  const state = { active: 0, peak: 0, written: 0, release: [] as (() => void)[] };
  const client = {
    async create(_ref: unknown, obj: KubeObject) {
      state.peak = Math.max(state.peak, ++state.active);
      await new Promise<void>((resolve) => state.release.push(resolve));
      state.active--;
      state.written++;
      return obj;
    },
  } as unknown as KubeClient;
  /** Lets `rounds` turns of the event loop pass, releasing every write that started. */
  const settle = async (rounds: number, until = (): boolean => false): Promise<void> => {
    for (let round = 0; round < rounds && !until(); round++) {
      await new Promise((r) => setImmediate(r));
      state.release.splice(0).forEach((r) => r());
    }
  };
  return { client, state, settle };
}

test('writes at most maxInFlight events at once and drops events beyond maxQueued', async () => {
  const { client, state, settle } = gatedClient();
  const logged: unknown[] = [];
  const recorder = new ApiEventRecorder(client, { component: 'c' }, (msg, extra) => logged.push([msg, extra?.dropped]), { maxInFlight: 2, maxQueued: 5 });
  for (let i = 0; i < 8; i++) recorder.event({ ...pod, metadata: { ...pod.metadata, name: `p${i}` } }, 'Normal', 'R', `m${i}`);
  assert.equal(recorder.droppedEvents, 3);
  assert.deepEqual(logged, [['dropping events: too many waiting to be written', 1]]);
  const flushed = recorder.flush();
  await settle(50, () => state.written >= 5);
  await flushed;
  assert.equal(state.peak, 2);
  assert.equal(state.written, 5);
});

test('while busy, one event write at a time; all of them once the burst is over', async () => {
  const { client, state, settle } = gatedClient();
  const recorder = new ApiEventRecorder(client, { component: 'c' }, undefined, { maxInFlight: 3 });
  recorder.setBusy(true);
  for (let i = 0; i < 6; i++) recorder.event({ ...pod, metadata: { ...pod.metadata, name: `p${i}` } }, 'Normal', 'R', `m${i}`);
  await settle(4);
  assert.equal(state.peak, 1);
  assert.ok(state.written >= 1 && state.written < 6, `written ${state.written}`);
  recorder.setBusy(false);
  await new Promise((r) => setImmediate(r));
  assert.ok(state.active > 1 || state.written === 6, `active ${state.active}`);
  const flushed = recorder.flush();
  await settle(20);
  await flushed;
  assert.equal(state.written, 6);
  assert.ok(state.peak <= 3);
});
