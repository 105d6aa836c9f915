import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import type { KubeObject } from '../api/object.ts';
import { findResource } from '../api/registry.ts';
import { FakeClient } from '../client/fake-client.ts';
import { ControllerRunner, keysFor, seededListers, type Controller } from './controller.ts';
import { FakeRecorder } from './event-recorder.ts';
import { SharedInformerFactory } from './informer-factory.ts';
import { WorkQueue } from './workqueue.ts';
import { ItemExponentialFailureRateLimiter } from './rate-limiter.ts';

const RS = findResource('apps', 'v1', 'replicasets')!;
const PODS = findResource('', 'v1', 'pods')!;

function ownedPod(name: string, owner: string, kind = 'ReplicaSet', controller = true): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'ns', name, ownerReferences: [{ apiVersion: 'apps/v1', kind, name: owner, uid: 'u', controller }] } };
}

async function until(check: () => boolean, what: string, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(5);
  }
}

describe('watch mappings', () => {
  test('self, owner (controller refs of the kind and group only), none and functions', () => {
    assert.deepEqual(keysFor(undefined, ownedPod('p', 'rs1')), ['ns/p']);
    assert.deepEqual(keysFor({ ownerKind: 'ReplicaSet' }, ownedPod('p', 'rs1')), ['ns/rs1']);
    assert.deepEqual(keysFor({ ownerKind: 'ReplicaSet', ownerGroup: 'apps' }, ownedPod('p', 'rs1')), ['ns/rs1']);
    assert.deepEqual(keysFor({ ownerKind: 'ReplicaSet', ownerGroup: 'batch' }, ownedPod('p', 'rs1')), []);
    assert.deepEqual(keysFor({ ownerKind: 'ReplicaSet' }, ownedPod('p', 'rs1', 'ReplicaSet', false)), [], 'non-controller owner');
    assert.deepEqual(keysFor({ ownerKind: 'ReplicaSet' }, ownedPod('p', 'j', 'Job')), []);
    assert.deepEqual(keysFor('none', ownedPod('p', 'rs1')), []);
    assert.deepEqual(keysFor(() => ['a', 'b'], ownedPod('p', 'rs1')), ['a', 'b']);
  });

  test('seeded listers hand out frozen objects', () => {
    const listers = seededListers([[PODS, [ownedPod('p', 'rs1')]]]);
    const pod = listers.get(PODS).get('ns', 'p')!;
    assert.throws(() => {
      (pod.metadata as { name: string }).name = 'changed';
    }, TypeError);
    assert.deepEqual(listers.get(RS).list(), []);
  });
});

describe('ControllerRunner', () => {
  test('reconciles own and owned objects by key after the caches synced, and retries failures with backoff', async () => {
    const client = new FakeClient();
    client.seed(RS, { metadata: { namespace: 'ns', name: 'rs1' } });
    client.seed(PODS, ownedPod('p1', 'rs1'));
    const calls: string[] = [];
    let failures = 1;
    let sawPodInLister = false;
    const controller: Controller = {
      name: 'test',
      watches: [{ resource: RS }, { resource: PODS, map: { ownerKind: 'ReplicaSet', ownerGroup: 'apps' } }],
      async reconcile(ctx, key) {
        calls.push(key);
        sawPodInLister ||= ctx.listers.get(PODS).get('ns', 'p1') !== undefined;
        if (key === 'ns/rs2' && failures-- > 0) throw new Error('transient');
        ctx.recorder.event(ctx.listers.get(RS).getByKey(key)!, 'Normal', 'Synced', `synced ${key}`);
      },
    };
    const factory = new SharedInformerFactory(client);
    const recorder = new FakeRecorder();
    const queue = new WorkQueue<string>({ rateLimiter: new ItemExponentialFailureRateLimiter<string>(20, 1000) });
    const runner = new ControllerRunner(controller, { factory, recorder, queue, workers: 2 });
    const stop = new AbortController();
    const running = runner.run(stop.signal);
    await until(() => calls.length >= 1, 'first reconcile');
    assert.equal(calls[0], 'ns/rs1', 'initial add and the owned pod collapse into one key');
    assert.ok(sawPodInLister, 'all caches synced before the first reconcile');

    await client.create(RS, { metadata: { namespace: 'ns', name: 'rs2' } });
    await until(() => calls.filter((k) => k === 'ns/rs2').length >= 2, 'retry of rs2');
    assert.equal(queue.numRequeues('ns/rs2'), 0, 'forgotten after success');

    const before = calls.length;
    await client.create(PODS, ownedPod('p2', 'rs1'));
    await until(() => calls.length > before, 'reconcile for the owned pod');
    assert.equal(calls.at(-1), 'ns/rs1');

    stop.abort();
    await running;
    assert.ok(recorder.events.includes('Normal Synced synced ns/rs1'));
    await factory.shutdown();
  });

  test('requeueAfterMs processes a key again after success', async () => {
    const client = new FakeClient();
    client.seed(RS, { metadata: { namespace: 'ns', name: 'rs1' } });
    let count = 0;
    const controller: Controller = {
      name: 'requeue',
      watches: [{ resource: RS }],
      async reconcile() {
        count++;
        return count < 3 ? { requeueAfterMs: 10 } : undefined;
      },
    };
    const factory = new SharedInformerFactory(client);
    const stop = new AbortController();
    const running = new ControllerRunner(controller, { factory, recorder: new FakeRecorder() }).run(stop.signal);
    await until(() => count >= 3, 'three reconciles');
    stop.abort();
    await running;
    await factory.shutdown();
  });
});
