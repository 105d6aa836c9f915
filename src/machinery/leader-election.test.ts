import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { findResource } from '../api/registry.ts';
import { FakeClient } from '../client/fake-client.ts';
import { LeaderElector, microTime, type Lease } from './leader-election.ts';

const LEASES = findResource('coordination.k8s.io', 'v1', 'leases')!;

test('microTime has six fractional digits', () => {
  assert.equal(microTime(new Date('2024-01-02T03:04:05.678Z')), '2024-01-02T03:04:05.678000Z');
});

function elector(client: FakeClient, identity: string, log: string[]): LeaderElector {
  return new LeaderElector({
    client,
    name: 'test-lock',
    identity,
    leaseDurationSeconds: 1,
    renewDeadlineMs: 600,
    retryPeriodMs: 50,
    onStartedLeading: () => void log.push(`${identity} started`),
    onStoppedLeading: () => void log.push(`${identity} stopped`),
  });
}

async function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(10);
  }
}

test('one of two candidates leads; the other takes over after release', async () => {
  const client = new FakeClient();
  const log: string[] = [];
  const a = elector(client, 'a', log);
  const b = elector(client, 'b', log);
  const stopA = new AbortController();
  const stopB = new AbortController();
  const runA = a.run(stopA.signal);
  await until(() => a.isLeader(), 'a leads');
  const runB = b.run(stopB.signal);
  await delay(300);
  assert.equal(b.isLeader(), false);
  assert.equal(b.getLeader(), 'a');
  const lease = await client.get<Lease>(LEASES, 'kube-system', 'test-lock');
  assert.equal(lease.spec?.holderIdentity, 'a');
  assert.equal(lease.spec?.leaseDurationSeconds, 1);
  assert.equal(lease.spec?.leaseTransitions, 0);
  assert.match(lease.spec!.renewTime!, /\.\d{6}Z$/);

  stopA.abort();
  await runA;
  await until(() => b.isLeader(), 'b takes over');
  const taken = await client.get<Lease>(LEASES, 'kube-system', 'test-lock');
  assert.equal(taken.spec?.holderIdentity, 'b');
  assert.equal(taken.spec?.leaseTransitions, 1);
  stopB.abort();
  await runB;
  assert.deepEqual(log, ['a started', 'a stopped', 'b started', 'b stopped']);
});

test('a leader that cannot renew steps down, and a candidate takes over an expired lease', async () => {
  const client = new FakeClient();
  const log: string[] = [];
  const a = elector(client, 'a', log);
  const stopA = new AbortController();
  const runA = a.run(stopA.signal);
  await until(() => a.isLeader(), 'a leads');
  client.reactor = (action) => {
    if (action.resource === 'leases') throw new Error('api unreachable');
  };
  await runA; // renewDeadline passes without a renewal
  assert.deepEqual(log, ['a started', 'a stopped']);
  client.reactor = undefined;

  // The lease still names a; b must wait for it to expire (1 s) before taking it.
  const b = elector(client, 'b', log);
  const stopB = new AbortController();
  const started = Date.now();
  const runB = b.run(stopB.signal);
  await until(() => b.isLeader(), 'b takes over the expired lease');
  assert.ok(Date.now() - started >= 900, `took over after ${Date.now() - started} ms`);
  stopB.abort();
  await runB;
});
