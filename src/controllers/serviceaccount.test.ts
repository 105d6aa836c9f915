import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/object.ts';
import { findResource } from '../api/registry.ts';
import { FakeClient } from '../client/fake-client.ts';
import { keysFor, seededListers, type ReconcileContext } from '../machinery/controller.ts';
import { FakeRecorder } from '../machinery/event-recorder.ts';
import { serviceAccountController } from './serviceaccount.ts';

const NS = findResource('', 'v1', 'namespaces')!;
const SA = findResource('', 'v1', 'serviceaccounts')!;

const ns = (name: string, phase = 'Active', extra: Partial<KubeObject['metadata']> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...extra }, status: { phase } });

function ctxFor(seed: [typeof NS, KubeObject[]][]): { client: FakeClient; ctx: ReconcileContext } {
  const client = new FakeClient();
  for (const [ref, objs] of seed) client.seed(ref, ...objs);
  return { client, ctx: { client, listers: seededListers(seed), recorder: new FakeRecorder(), signal: new AbortController().signal, log: () => {} } };
}

describe('serviceaccount controller', () => {
  const c = serviceAccountController();

  test('creates the default account in an active namespace', async () => {
    const { client, ctx } = ctxFor([[NS, [ns('team')]]]);
    await c.reconcile(ctx, 'team');
    const w = client.writes();
    assert.equal(w.length, 1);
    assert.deepEqual([w[0].verb, w[0].resource, w[0].namespace, w[0].name], ['create', 'serviceaccounts', 'team', 'default']);
  });

  test('leaves existing accounts and terminating namespaces alone', async () => {
    const sa = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { namespace: 'team', name: 'default' } };
    const { client, ctx } = ctxFor([[NS, [ns('team'), ns('old', 'Terminating', { deletionTimestamp: '2024-01-01T00:00:00Z' })]], [SA, [sa]]]);
    await c.reconcile(ctx, 'team');
    await c.reconcile(ctx, 'old');
    await c.reconcile(ctx, 'missing');
    assert.deepEqual(client.writes(), []);
  });

  test('only the default account wakes its namespace', () => {
    const saWatch = c.watches.find((w) => w.resource.resource === 'serviceaccounts')!;
    assert.deepEqual(keysFor(saWatch.map, { metadata: { namespace: 'team', name: 'default' } }), ['team']);
    assert.deepEqual(keysFor(saWatch.map, { metadata: { namespace: 'team', name: 'builder' } }), []);
  });
});
