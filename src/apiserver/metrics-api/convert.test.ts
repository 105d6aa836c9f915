import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PodStats, Summary } from '../../api/stats/summary.ts';
import { formatNanoCores, formatQuantity } from '../../api/quantity-format.ts';
import { goDuration, nodeMetrics, podMetrics } from './convert.ts';

const NOW = new Date('2024-05-01T10:00:30Z');

test('cpu prints as metrics-server nanocores and memory as binary SI, canonicalised like resource.Quantity', () => {
  assert.equal(formatNanoCores(123456789), '123456789n');
  assert.equal(formatNanoCores(250_000_000), '250m');
  assert.equal(formatNanoCores(1_500_000), '1500u');
  assert.equal(formatNanoCores(2e9), '2');
  assert.equal(formatNanoCores(0), '0');
  assert.equal(formatQuantity(1073741824, true), '1Gi');
  assert.equal(formatQuantity(20 * 1024 * 1024 + 4096, true), '20484Ki');
  assert.equal(formatQuantity(1000, true), '1k', 'below 1024 bytes prints in decimal SI, as Quantity does');
  assert.equal(formatQuantity(1025, true), '1025');
});

test('windows print as Go durations', () => {
  assert.equal(goDuration(10_000), '10s');
  assert.equal(goDuration(10_500), '10.5s');
  assert.equal(goDuration(90_000), '1m30s');
  assert.equal(goDuration(3_600_000), '1h0m0s');
  assert.equal(goDuration(250), '250ms');
  assert.equal(goDuration(0), '0s');
});

const pod = (name: string, labels?: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', uid: `uid-${name}`, labels } });

test('NodeMetrics: usage from the node summary, timestamp of the CPU sample, node labels', () => {
  const summary: Summary = {
    node: { nodeName: 'n1', startTime: '2024-05-01T00:00:00Z', cpu: { time: '2024-05-01T10:00:20Z', usageNanoCores: 123456789, usageCoreNanoSeconds: 1e12 }, memory: { time: '2024-05-01T10:00:21Z', workingSetBytes: 2 * 1024 ** 3 } },
    pods: [],
  };
  const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', labels: { 'kubernetes.io/hostname': 'n1' } } };
  assert.deepEqual(nodeMetrics(node, summary, 10_000, NOW), {
    kind: 'NodeMetrics',
    apiVersion: 'metrics.k8s.io/v1beta1',
    metadata: { name: 'n1', creationTimestamp: '2024-05-01T10:00:30Z', labels: { 'kubernetes.io/hostname': 'n1' } },
    timestamp: '2024-05-01T10:00:20Z',
    window: '10s',
    usage: { cpu: '123456789n', memory: '2Gi' },
  });
  const noRate = { ...summary, node: { ...summary.node, cpu: { time: 't', usageCoreNanoSeconds: 5 } } };
  assert.equal(nodeMetrics(node, noRate, 10_000, NOW), undefined, 'no rate yet: the node is left out');
});

test('PodMetrics: one entry per container; a container without a rate leaves the pod out', () => {
  const stats: PodStats = {
    podRef: { name: 'web', namespace: 'default', uid: 'uid-web' },
    startTime: '2024-05-01T09:00:00Z',
    containers: [
      { name: 'app', startTime: 's', cpu: { time: '2024-05-01T10:00:19Z', usageNanoCores: 100_000_000 }, memory: { time: 't', workingSetBytes: 10 * 1024 * 1024 } },
      { name: 'sidecar', startTime: 's', cpu: { time: '2024-05-01T10:00:20Z', usageNanoCores: 5_000_000 }, memory: { time: 't', workingSetBytes: 4096 } },
    ],
  };
  const metrics = podMetrics(pod('web', { app: 'web' }), stats, 10_000, NOW);
  assert.deepEqual(metrics, {
    kind: 'PodMetrics',
    apiVersion: 'metrics.k8s.io/v1beta1',
    metadata: { name: 'web', namespace: 'default', creationTimestamp: '2024-05-01T10:00:30Z', labels: { app: 'web' } },
    timestamp: '2024-05-01T10:00:20Z',
    window: '10s',
    containers: [{ name: 'app', usage: { cpu: '100m', memory: '10Mi' } }, { name: 'sidecar', usage: { cpu: '5m', memory: '4Ki' } }],
  });
  const partial = { ...stats, containers: [stats.containers[0], { name: 'new', startTime: 's', memory: { time: 't', workingSetBytes: 1 } }] };
  assert.equal(podMetrics(pod('web'), partial, 10_000, NOW), undefined);
  assert.equal(podMetrics(pod('web'), { ...stats, containers: [] }, 10_000, NOW), undefined);
});
