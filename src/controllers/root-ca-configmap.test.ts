import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/object.ts';
import { findResource } from '../api/registry.ts';
import { FakeClient } from '../client/fake-client.ts';
import { seededListers, type ReconcileContext } from '../machinery/controller.ts';
import { FakeRecorder } from '../machinery/event-recorder.ts';
import { ROOT_CA_CONFIGMAP, ROOT_CA_DESCRIPTION, rootCaConfigMapController } from './root-ca-configmap.ts';

const NS = findResource('', 'v1', 'namespaces')!;
const CM = findResource('', 'v1', 'configmaps')!;

const ns = (name: string, phase = 'Active', extra: Partial<KubeObject['metadata']> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...extra }, status: { phase } });

function ctxFor(seed: [typeof NS, KubeObject[]][]): { client: FakeClient; ctx: ReconcileContext } {
  const client = new FakeClient();
  for (const [ref, objs] of seed) client.seed(ref, ...objs);
  return { client, ctx: { client, listers: seededListers(seed), recorder: new FakeRecorder(), signal: new AbortController().signal, log: () => {} } };
}

describe('root CA publisher', () => {
  const c = rootCaConfigMapController({ caPem: 'PEM' });

  test('creates kube-root-ca.crt with the CA and Kubernetes description', async () => {
    const { client, ctx } = ctxFor([[NS, [ns('team')]]]);
    await c.reconcile(ctx, 'team');
    const cm = await client.get<KubeObject & { data?: Record<string, string> }>(CM, 'team', ROOT_CA_CONFIGMAP);
    assert.deepEqual(cm.data, { 'ca.crt': 'PEM' });
    assert.equal(cm.metadata.annotations?.['kubernetes.io/description'], ROOT_CA_DESCRIPTION);
  });

  test('puts back edited data, keeps other labels, and is quiet when current', async () => {
    const edited = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'team', name: ROOT_CA_CONFIGMAP, labels: { mine: 'x' } }, data: { 'ca.crt': 'OLD' } };
    const { client, ctx } = ctxFor([[NS, [ns('team')]], [CM, [edited]]]);
    await c.reconcile(ctx, 'team');
    const cm = await client.get<KubeObject & { data?: Record<string, string> }>(CM, 'team', ROOT_CA_CONFIGMAP);
    assert.deepEqual(cm.data, { 'ca.crt': 'PEM' });
    assert.deepEqual(cm.metadata.labels, { mine: 'x' });
    const current = ctxFor([[NS, [ns('team')]], [CM, [cm]]]);
    await c.reconcile(current.ctx, 'team');
    assert.deepEqual(current.client.writes(), []);
  });

  test('skips terminating namespaces', async () => {
    const { client, ctx } = ctxFor([[NS, [ns('old', 'Terminating', { deletionTimestamp: '2024-01-01T00:00:00Z' })]]]);
    await c.reconcile(ctx, 'old');
    assert.deepEqual(client.writes(), []);
  });
});
