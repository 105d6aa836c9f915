import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/object.ts';
import { findResource } from '../api/registry.ts';
import { FakeClient } from '../client/fake-client.ts';
import { keysFor, seededListers, type ReconcileContext } from '../machinery/controller.ts';
import { FakeRecorder } from '../machinery/event-recorder.ts';
import { desiredEndpoints, endpointSliceController, planSlices, type EndpointSlice } from './endpointslice.ts';
import { pod, service } from './service-fixtures.ts';

const SVC = findResource('', 'v1', 'services')!;
const PODS = findResource('', 'v1', 'pods')!;
const SLICES = findResource('discovery.k8s.io', 'v1', 'endpointslices')!;
const NODES = findResource('', 'v1', 'nodes')!;

/** Seeds the fake API, and listers holding the stored copies (with the API's resourceVersions). */
async function ctxFor(seed: [typeof SVC, KubeObject[]][]): Promise<{ client: FakeClient; ctx: ReconcileContext }> {
  const client = new FakeClient();
  const stored: [typeof SVC, KubeObject[]][] = [];
  for (const [ref, objs] of seed) {
    client.seed(ref, ...objs);
    stored.push([ref, await Promise.all(objs.map((o) => client.get(ref, o.metadata.namespace, o.metadata.name!)))]);
  }
  client.actions.length = 0;
  return { client, ctx: { client, listers: seededListers(stored), recorder: new FakeRecorder(), signal: new AbortController().signal, log: () => {} } };
}

async function slices(client: FakeClient): Promise<EndpointSlice[]> {
  return (await client.list<EndpointSlice>(SLICES, { namespace: 'ns' })).items;
}

describe('endpointslice controller', () => {
  test('creates a slice as Kubernetes does: labels, owner, ports, conditions, zone', async () => {
    const c = endpointSliceController();
    const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node1', labels: { 'topology.kubernetes.io/zone': 'z1' } } };
    const { client, ctx } = await ctxFor([[SVC, [service()]], [PODS, [pod('a', '10.42.0.2', true), pod('c', '10.42.0.4', false), pod('bye', '10.42.0.8', true, { deleting: true }), pod('noip', undefined, true)]], [NODES, [node]]]);
    await c.reconcile(ctx, 'ns/web');
    const [slice, ...more] = await slices(client);
    assert.equal(more.length, 0);
    assert.match(slice.metadata.name!, /^web-/);
    assert.equal(slice.metadata.generateName, 'web-');
    assert.deepEqual(slice.metadata.labels, { tier: 'front', 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' });
    assert.deepEqual(slice.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'svc-uid', controller: true, blockOwnerDeletion: true }]);
    assert.equal(slice.addressType, 'IPv4');
    assert.deepEqual(slice.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'metrics', port: 9090, protocol: 'TCP' }]);
    const conds = Object.fromEntries(slice.endpoints!.map((e) => [e.targetRef!.name, e.conditions]));
    assert.deepEqual(conds, {
      a: { ready: true, serving: true, terminating: false },
      c: { ready: false, serving: false, terminating: false },
      bye: { ready: false, serving: true, terminating: true },
    });
    assert.deepEqual(slice.endpoints![0], { addresses: ['10.42.0.2'], conditions: conds.a, targetRef: { kind: 'Pod', namespace: 'ns', name: 'a', uid: 'uid-a' }, nodeName: 'node1', zone: 'z1' });
  });

  test('at most maxEndpointsPerSlice endpoints per slice', () => {
    const pods = Array.from({ length: 5 }, (_, i) => pod(`p${i}`, `10.42.0.${10 + i}`, true));
    const plan = planSlices(service(), desiredEndpoints(service(), pods), [], 2);
    assert.deepEqual(plan.create.map((s) => s.endpoints!.length), [2, 2, 1]);
  });

  test('a reconciled service is quiet; a removed pod only updates its slice', async () => {
    const c = endpointSliceController();
    const pods = [pod('a', '10.42.0.2', true), pod('b', '10.42.0.3', true)];
    const first = await ctxFor([[SVC, [service()]], [PODS, pods]]);
    await c.reconcile(first.ctx, 'ns/web');
    const created = await slices(first.client);
    const again = await ctxFor([[SVC, [service()]], [PODS, pods], [SLICES, created]]);
    await c.reconcile(again.ctx, 'ns/web');
    assert.deepEqual(again.client.writes(), []);
    const fewer = await ctxFor([[SVC, [service()]], [PODS, [pods[0]]], [SLICES, created]]);
    await c.reconcile(fewer.ctx, 'ns/web');
    assert.deepEqual(fewer.client.writes().map((w) => `${w.verb} ${w.name}`), [`update ${created[0].metadata.name}`]);
    assert.deepEqual((await slices(fewer.client))[0].endpoints!.map((e) => e.addresses[0]), ['10.42.0.2']);
  });

  test('no endpoints: one placeholder slice; slices of a previous service are deleted', async () => {
    const c = endpointSliceController();
    const old: EndpointSlice = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { namespace: 'ns', name: 'web-old', labels: { 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' }, ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'previous', controller: true }] },
      addressType: 'IPv4',
      endpoints: [],
    };
    const { client, ctx } = await ctxFor([[SVC, [service()]], [SLICES, [old]]]);
    await c.reconcile(ctx, 'ns/web');
    assert.deepEqual(client.writes().map((w) => w.verb), ['create', 'delete']);
    const [placeholder] = await slices(client);
    assert.deepEqual(placeholder.endpoints, []);
    assert.equal(placeholder.ports, undefined);
  });

  test('services without a selector get no slices; pod and slice events wake the service', async () => {
    const c = endpointSliceController();
    const { client, ctx } = await ctxFor([[SVC, [service({ selector: undefined })]], [PODS, [pod('a', '10.42.0.2', true)]]]);
    await c.reconcile(ctx, 'ns/web');
    assert.deepEqual(client.writes(), []);
    const byResource = (r: string) => c.watches.find((w) => w.resource.resource === r)!.map;
    keysFor(byResource('services'), service());
    assert.deepEqual(keysFor(byResource('pods'), pod('a', '10.42.0.2', true)), ['ns/web']);
    assert.deepEqual(keysFor(byResource('endpointslices'), { metadata: { namespace: 'ns', name: 'web-x', labels: { 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' } } }), ['ns/web']);
    assert.deepEqual(keysFor(byResource('endpointslices'), { metadata: { namespace: 'ns', name: 'mine', labels: { 'kubernetes.io/service-name': 'web' } } }), []);
  });
});
