import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/object.ts';
import { findResource } from '../api/registry.ts';
import { FakeClient } from '../client/fake-client.ts';
import { seededListers, type ReconcileContext } from '../machinery/controller.ts';
import { FakeRecorder } from '../machinery/event-recorder.ts';
import { namespaceController, namespacedResources, type NamespaceObject } from './namespace.ts';
import { updateConditions } from './namespace-conditions.ts';

const NS = findResource('', 'v1', 'namespaces')!;
const CM = findResource('', 'v1', 'configmaps')!;
const SECRETS = findResource('', 'v1', 'secrets')!;

function namespace(name: string, terminating: boolean): NamespaceObject {
  const meta = terminating ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {};
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...meta }, spec: { finalizers: ['kubernetes'] }, status: { phase: terminating ? 'Terminating' : 'Active' } };
}

const cm = (ns: string, name: string, extra: Partial<KubeObject['metadata']> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: ns, name, ...extra } });

function setup(ns: NamespaceObject, content: [typeof CM, KubeObject[]][]): { client: FakeClient; ctx: ReconcileContext } {
  const client = new FakeClient();
  client.seed(NS, ns);
  for (const [ref, objs] of content) client.seed(ref, ...objs);
  const ctx: ReconcileContext = { client, listers: seededListers([[NS, [ns]]]), recorder: new FakeRecorder(), signal: new AbortController().signal, log: () => {} };
  return { client, ctx };
}

const writes = (client: FakeClient): string[] => client.writes().map((a) => `${a.verb} ${a.resource}${a.subresource ? `/${a.subresource}` : ''} ${a.name}`);

describe('namespace controller', () => {
  const controller = namespaceController();

  test('empties every namespaced resource, not cluster-scoped or duplicate versions', () => {
    const ids = namespacedResources().map((r) => `${r.group}/${r.version}/${r.resource}`);
    assert.ok(ids.includes('/v1/pods') && ids.includes('apps/v1/deployments') && ids.includes('discovery.k8s.io/v1/endpointslices'));
    assert.ok(!ids.includes('/v1/namespaces') && !ids.includes('/v1/nodes') && !ids.includes('/v1/bindings'));
    assert.ok(!ids.includes('autoscaling/v1/horizontalpodautoscalers'));
  });

  test('an active namespace is left alone', async () => {
    const { client, ctx } = setup(namespace('live', false), [[CM, [cm('live', 'a')]]]);
    assert.equal(await controller.reconcile(ctx, 'live'), undefined);
    assert.deepEqual(writes(client), []);
  });

  test('a terminating namespace is emptied, its conditions set, then finalized', async () => {
    const { client, ctx } = setup(namespace('gone', true), [[CM, [cm('gone', 'a'), cm('gone', 'b'), cm('other', 'keep')]], [SECRETS, [{ apiVersion: 'v1', kind: 'Secret', metadata: { namespace: 'gone', name: 's' } }]]]);
    assert.equal(await controller.reconcile(ctx, 'gone'), undefined);
    assert.deepEqual(writes(client).sort(), ['delete configmaps a', 'delete configmaps b', 'delete secrets s', 'patch namespaces/finalize gone', 'update namespaces/status gone'].sort());
    const ns = await client.get<NamespaceObject>(NS, undefined, 'gone');
    assert.deepEqual(ns.spec?.finalizers, []);
    const types = Object.fromEntries((ns.status?.conditions ?? []).map((c) => [c.type, `${c.status} ${c.reason}`]));
    assert.deepEqual(types, {
      NamespaceDeletionDiscoveryFailure: 'False ResourcesDiscovered',
      NamespaceDeletionGroupVersionParsingFailure: 'False ParsedGroupVersions',
      NamespaceDeletionContentFailure: 'False ContentDeleted',
      NamespaceContentRemaining: 'False ContentRemoved',
      NamespaceFinalizersRemaining: 'False ContentRemoved',
    });
    assert.ok(await client.get(CM, 'other', 'keep'), 'other namespaces keep their content');
  });

  test('content held by finalizers is reported and the namespace requeued, not finalized', async () => {
    const held = cm('gone', 'held', { deletionTimestamp: '2024-01-01T00:00:00Z', finalizers: ['example.com/hold'] });
    const { client, ctx } = setup(namespace('gone', true), [[CM, [held]]]);
    assert.deepEqual(await controller.reconcile(ctx, 'gone'), { requeueAfterMs: 8000 });
    assert.deepEqual(writes(client), ['update namespaces/status gone']);
    const ns = await client.get<NamespaceObject>(NS, undefined, 'gone');
    assert.deepEqual(ns.spec?.finalizers, ['kubernetes']);
    const byType = new Map((ns.status?.conditions ?? []).map((c) => [c.type, c]));
    assert.equal(byType.get('NamespaceContentRemaining')?.message, 'Some resources are remaining: configmaps. has 1 resource instances');
    assert.equal(byType.get('NamespaceContentRemaining')?.reason, 'SomeResourcesRemain');
    assert.equal(byType.get('NamespaceFinalizersRemaining')?.message, 'Some finalizers are remaining: example.com/hold in 1 resource instances');
  });

  test('delete failures become a NamespaceDeletionContentFailure condition and a retry', async () => {
    const { client, ctx } = setup(namespace('gone', true), [[CM, [cm('gone', 'a')]]]);
    client.reactor = (a) => {
      if (a.verb === 'delete') throw Object.assign(new Error('boom'), { code: 500 });
    };
    await assert.rejects(controller.reconcile(ctx, 'gone'), /failed to delete all content/);
    const ns = await client.get<NamespaceObject>(NS, undefined, 'gone');
    const failure = ns.status?.conditions?.find((c) => c.type === 'NamespaceDeletionContentFailure');
    assert.equal(failure?.status, 'True');
    assert.equal(failure?.reason, 'ContentDeletionFailed');
    assert.match(failure?.message ?? '', /^Failed to delete all resource types, 1 remaining: configmaps\.: boom/);
    assert.deepEqual(ns.spec?.finalizers, ['kubernetes']);
  });

  test('unchanged conditions are not rewritten', () => {
    const first = updateConditions([], []);
    assert.equal(first?.length, 5);
    assert.equal(updateConditions(first!, []), undefined);
  });
});
