import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/object.ts';
import { findResource } from '../api/registry.ts';
import { FakeClient } from '../client/fake-client.ts';
import { keysFor, seededListers, type ReconcileContext } from '../machinery/controller.ts';
import { FakeRecorder } from '../machinery/event-recorder.ts';
import { endpointsController, endpointSubsets, type EndpointsObject } from './endpoints.ts';
import { pod, service } from './service-fixtures.ts';

const SVC = findResource('', 'v1', 'services')!;
const PODS = findResource('', 'v1', 'pods')!;
const EP = findResource('', 'v1', 'endpoints')!;

function ctxFor(seed: [typeof SVC, KubeObject[]][]): { client: FakeClient; ctx: ReconcileContext } {
  const client = new FakeClient();
  for (const [ref, objs] of seed) client.seed(ref, ...objs);
  return { client, ctx: { client, listers: seededListers(seed), recorder: new FakeRecorder(), signal: new AbortController().signal, log: () => {} } };
}

describe('endpoints controller', () => {
  test('ready and not-ready pods, ports resolved by name and number, repacked into one subset', () => {
    const subsets = endpointSubsets(service(), [pod('b', '10.42.0.3', true), pod('a', '10.42.0.2', true), pod('c', '10.42.0.4', false), pod('noip', undefined, true), pod('done', '10.42.0.9', true, { phase: 'Succeeded' }), pod('bye', '10.42.0.8', true, { deleting: true })]);
    assert.deepEqual(subsets, [
      {
        addresses: [
          { ip: '10.42.0.2', nodeName: 'node1', targetRef: { kind: 'Pod', namespace: 'ns', name: 'a', uid: 'uid-a' } },
          { ip: '10.42.0.3', nodeName: 'node1', targetRef: { kind: 'Pod', namespace: 'ns', name: 'b', uid: 'uid-b' } },
        ],
        notReadyAddresses: [{ ip: '10.42.0.4', nodeName: 'node1', targetRef: { kind: 'Pod', namespace: 'ns', name: 'c', uid: 'uid-c' } }],
        ports: [
          { name: 'http', port: 8080, protocol: 'TCP' },
          { name: 'metrics', port: 9090, protocol: 'TCP' },
        ],
      },
    ]);
  });

  test('pods exposing different ports land in different subsets', () => {
    const other = pod('x', '10.42.0.7', true);
    other.spec!.containers = [{ ports: [] }];
    const subsets = endpointSubsets(service(), [pod('a', '10.42.0.2', true), other]);
    // RepackSubsets groups by port: 8080 is on `a` only, 9090 on both.
    const summary = subsets.map((s) => `${s.addresses!.map((a) => a.ip).join('+')}:${s.ports!.map((p) => p.port).join('+')}`).sort();
    assert.deepEqual(summary, ['10.42.0.2+10.42.0.7:9090', '10.42.0.2:8080']);
  });

  test('publishNotReadyAddresses lists unready and terminating pods as addresses', () => {
    const subsets = endpointSubsets(service({ publishNotReadyAddresses: true }), [pod('c', '10.42.0.4', false), pod('bye', '10.42.0.8', true, { deleting: true })]);
    assert.deepEqual(subsets[0].addresses?.map((a) => a.ip), ['10.42.0.4', '10.42.0.8']);
    assert.equal(subsets[0].notReadyAddresses, undefined);
  });

  test('reconcile creates the Endpoints with the service labels, then is quiet', async () => {
    const c = endpointsController();
    const { client, ctx } = ctxFor([[SVC, [service({ clusterIP: 'None' })]], [PODS, [pod('a', '10.42.0.2', true), pod('other', '10.42.0.5', true, { labels: { app: 'db' } })]]]);
    await c.reconcile(ctx, 'ns/web');
    const ep = await client.get<EndpointsObject>(EP, 'ns', 'web');
    assert.deepEqual(ep.metadata.labels, { tier: 'front', 'service.kubernetes.io/headless': '' });
    assert.deepEqual(ep.subsets?.[0].addresses?.map((a) => a.ip), ['10.42.0.2']);
    const again = ctxFor([[SVC, [service({ clusterIP: 'None' })]], [PODS, [pod('a', '10.42.0.2', true)]], [EP, [ep]]]);
    await c.reconcile(again.ctx, 'ns/web');
    assert.deepEqual(again.client.writes(), []);
  });

  test('a changed pod set updates; a deleted service deletes its Endpoints; selectorless services are skipped', async () => {
    const c = endpointsController();
    const stale: EndpointsObject = { apiVersion: 'v1', kind: 'Endpoints', metadata: { namespace: 'ns', name: 'web', labels: { tier: 'front' } }, subsets: [{ addresses: [{ ip: '10.42.0.9' }], ports: [{ port: 1 }] }] };
    const changed = ctxFor([[SVC, [service()]], [PODS, [pod('a', '10.42.0.2', true)]], [EP, [stale]]]);
    await c.reconcile(changed.ctx, 'ns/web');
    assert.deepEqual(changed.client.writes().map((w) => w.verb), ['update']);
    const gone = ctxFor([[EP, [stale]]]);
    await c.reconcile(gone.ctx, 'ns/web');
    assert.deepEqual(gone.client.writes().map((w) => `${w.verb} ${w.name}`), ['delete web']);
    const manual = ctxFor([[SVC, [service({ selector: undefined })]], [EP, [stale]]]);
    await c.reconcile(manual.ctx, 'ns/web');
    assert.deepEqual(manual.client.writes(), []);
  });

  test('pod events wake the services selecting them', () => {
    const c = endpointsController();
    const svcWatch = c.watches.find((w) => w.resource.resource === 'services')!;
    const podWatch = c.watches.find((w) => w.resource.resource === 'pods')!;
    assert.deepEqual(keysFor(svcWatch.map, service()), ['ns/web']);
    assert.deepEqual(keysFor(podWatch.map, pod('a', '10.42.0.2', true)), ['ns/web']);
    assert.deepEqual(keysFor(podWatch.map, pod('d', '10.42.0.2', true, { labels: { app: 'db' } })), []);
  });
});
