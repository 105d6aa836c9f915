import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/object.ts';
import { findResource } from '../api/registry.ts';
import { RESOURCEQUOTAS, resourceQuotaController, sourceOf, type ResourceQuota } from './resourcequota.ts';
import { formatAmount, podUsage, type QuotaPod } from './quota-usage.ts';
import { deployment, fixture } from './workload-fixtures.ts';

const PODS = findResource('', 'v1', 'pods')!;
const SERVICES = findResource('', 'v1', 'services')!;
const CONFIGMAPS = findResource('', 'v1', 'configmaps')!;
const DEPLOYMENTS = findResource('apps', 'v1', 'deployments')!;
const JOBS = findResource('batch', 'v1', 'jobs')!;

function quotaPod(name: string, resources: { requests?: Record<string, string>; limits?: Record<string, string> }, phase = 'Running', extra: Partial<QuotaPod['spec']> = {}): QuotaPod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: [{ resources }], ...extra }, status: { phase } };
}

function quota(hard: Record<string, string>, extra: Partial<NonNullable<ResourceQuota['spec']>> = {}): ResourceQuota {
  return { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q', namespace: 'default' }, spec: { hard, ...extra } };
}

function service(name: string, type: string, ports: number): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { type, ports: Array.from({ length: ports }, (_, i) => ({ port: 80 + i, nodePort: 30000 + i })) } };
}

describe('quota usage', () => {
  test('quantities print canonically in the format of their first term', () => {
    assert.equal(formatAmount({ value: 0.3, binary: false }), '300m');
    assert.equal(formatAmount({ value: 1.5, binary: false }), '1500m');
    assert.equal(formatAmount({ value: 2, binary: false }), '2');
    assert.equal(formatAmount({ value: 2000, binary: false }), '2k');
    assert.equal(formatAmount({ value: 192 * 2 ** 20, binary: true }), '192Mi');
    assert.equal(formatAmount({ value: 0, binary: true }), '0');
  });

  test('a pod charges requests (limits standing in), limits, and init containers at their max', () => {
    const pod = quotaPod('p', { requests: { cpu: '100m' }, limits: { cpu: '200m', memory: '64Mi' } }, 'Running', { initContainers: [{ resources: { requests: { cpu: '1' } } }] });
    const usage = podUsage(pod, Date.now());
    const printed = Object.fromEntries([...usage].map(([k, v]) => [k, formatAmount(v)]));
    assert.deepEqual(printed, { 'count/pods': '1', pods: '1', cpu: '1', 'requests.cpu': '1', 'limits.cpu': '200m', memory: '64Mi', 'requests.memory': '64Mi', 'limits.memory': '64Mi' });
  });

  test('terminal pods only count as stored objects', () => {
    const usage = podUsage(quotaPod('done', { requests: { cpu: '1' } }, 'Succeeded'), Date.now());
    assert.deepEqual([...usage.keys()], ['count/pods']);
  });

  test('quota names map to what they count', () => {
    assert.equal(sourceOf('requests.cpu').kind, 'pods');
    assert.equal(sourceOf('requests.storage').kind, 'pvcs');
    assert.equal(sourceOf('services.nodeports').kind, 'services');
    const count = sourceOf('count/deployments.apps');
    assert.equal(count.kind === 'count' && count.ref.resource, 'deployments');
    assert.equal(sourceOf('count/widgets.example.com').kind, 'unknown');
  });
});

describe('ResourceQuota controller', () => {
  test('writes hard from spec and used for counts, services and compute over non-terminal pods', async () => {
    const hard = { pods: '10', 'count/pods': '10', 'requests.cpu': '4', 'requests.memory': '1Gi', 'limits.cpu': '8', 'limits.memory': '2Gi', services: '5', 'services.nodeports': '4', 'services.loadbalancers': '1', configmaps: '3', 'count/deployments.apps': '2', secrets: '9' };
    const pods = [
      quotaPod('a', { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } }),
      quotaPod('b', { requests: { cpu: '200m', memory: '128Mi' } }),
      quotaPod('c', { requests: { cpu: '2', memory: '1Gi' } }, 'Failed'),
    ];
    const f = await fixture([
      [RESOURCEQUOTAS, [quota(hard)]],
      [PODS, pods],
      [SERVICES, [service('np', 'NodePort', 2), service('lb', 'LoadBalancer', 1), service('plain', 'ClusterIP', 1)]],
      [CONFIGMAPS, [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'default' } }, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'elsewhere', namespace: 'other' } }]],
      [DEPLOYMENTS, [deployment('web', 1)]],
    ]);
    const result = await resourceQuotaController({ now: () => Date.now() }).reconcile(f.ctx, 'default/q');
    assert.deepEqual(result, { requeueAfterMs: 300_000 });
    const update = f.client.writes().find((a) => a.subresource === 'status');
    assert.ok(update);
    const status = (update.object as ResourceQuota).status!;
    assert.deepEqual(status.hard, hard);
    assert.deepEqual(status.used, {
      pods: '2', 'count/pods': '3',
      'requests.cpu': '300m', 'requests.memory': '192Mi', 'limits.cpu': '500m', 'limits.memory': '128Mi',
      services: '3', 'services.nodeports': '3', 'services.loadbalancers': '1',
      configmaps: '1', 'count/deployments.apps': '1', secrets: '0',
    });
  });

  test('counts resources it does not cache through the API, and writes nothing when up to date', async () => {
    const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'default' }, spec: {} };
    const f = await fixture([[RESOURCEQUOTAS, [quota({ 'count/jobs.batch': '5' })]], [JOBS, [job]]]);
    const controller = resourceQuotaController();
    await controller.reconcile(f.ctx, 'default/q');
    assert.ok(f.client.actions.some((a) => a.verb === 'list' && a.resource === 'jobs' && a.namespace === 'default'));
    const status = (f.client.writes()[0].object as ResourceQuota).status!;
    assert.deepEqual(status.used, { 'count/jobs.batch': '1' });

    const settled = await fixture([[RESOURCEQUOTAS, [{ ...quota({ 'count/jobs.batch': '5' }), status }]], [JOBS, [job]]]);
    await controller.reconcile(settled.ctx, 'default/q');
    assert.deepEqual(settled.client.writes(), []);
  });

  test('scoped quotas only charge the pods in scope', async () => {
    const pods = [quotaPod('be', {}), quotaPod('burst', { requests: { cpu: '1' } })];
    const f = await fixture([[RESOURCEQUOTAS, [quota({ pods: '5' }, { scopes: ['BestEffort'] })]], [PODS, pods]]);
    await resourceQuotaController().reconcile(f.ctx, 'default/q');
    assert.deepEqual((f.client.writes()[0].object as ResourceQuota).status!.used, { pods: '1' });
  });
});
