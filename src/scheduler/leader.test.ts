import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import type { KubeObject } from '../api/object.ts';
import { findResource } from '../api/registry.ts';
import { FakeClient } from '../client/fake-client.ts';
import { FakeRecorder } from '../machinery/event-recorder.ts';
import { SharedInformerFactory } from '../machinery/informer-factory.ts';
import type { Lease } from '../machinery/leader-election.ts';
import { SCHEDULER_LEASE_NAME, SCHEDULER_LEASE_NAMESPACE, runLeaderElectedScheduler } from './leader.ts';
import type { Scheduler } from './scheduler.ts';
import { makeNode, makePod } from './testing.ts';

const LEASES = findResource('coordination.k8s.io', 'v1', 'leases')!;
const NODES = findResource('', 'v1', 'nodes')!;
const PODS = findResource('', 'v1', 'pods')!;

async function until(check: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(10);
  }
}

test('schedules only while holding the kube-system/kube-scheduler Lease, and releases it on stop', async () => {
  const client = new FakeClient();
  client.seed(NODES, makeNode('a') as unknown as KubeObject);
  const factory = new SharedInformerFactory(client);
  const stop = new AbortController();
  let leader: Scheduler | undefined;
  const done = runLeaderElectedScheduler(client, factory, stop.signal, { identity: 'me', retryPeriodMs: 50, recorder: new FakeRecorder(), onLeading: (s) => (leader = s) });
  await until(() => leader !== undefined, 'leadership');
  const lease = await client.get<Lease>(LEASES, SCHEDULER_LEASE_NAMESPACE, SCHEDULER_LEASE_NAME);
  assert.equal(lease.spec?.holderIdentity, 'me');
  await client.create(PODS, makePod('p') as unknown as KubeObject);
  await until(() => client.actions.some((a) => a.verb === 'create' && a.resource === 'pods/p/binding'), 'the leader binds the pod');
  stop.abort();
  await done;
  const released = await client.get<Lease>(LEASES, SCHEDULER_LEASE_NAMESPACE, SCHEDULER_LEASE_NAME);
  assert.equal(released.spec?.holderIdentity, '');
  await factory.shutdown();
});
