import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/object.ts';
import type { StoreLookup } from '../handlers/context.ts';
import type { ApiResponse } from '../http.ts';
import type { ResourceStore } from '../registry/resource-store.ts';
import type { ResourceRequestInfo } from '../request-info.ts';
import { SUMMARY_PATH, isSummary, kubeletSummarySource } from './kubelet-source.ts';
import { MetricsApi } from './metrics-api.ts';

const TIME = '2024-05-01T10:00:00Z';
const good = (name: string) => ({ node: { nodeName: name, startTime: TIME, cpu: { time: TIME, usageNanoCores: 1e6 }, memory: { time: TIME, workingSetBytes: 1024 } }, pods: [] });
const node = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name } });

test('isSummary accepts the Summary shape and nothing else', () => {
  assert.ok(isSummary(good('n1')));
  assert.ok(isSummary({ node: { nodeName: 'n' }, pods: [{ podRef: { name: 'p', namespace: 'd', uid: '' }, containers: [] }] }));
  for (const bad of [null, 'x', {}, { node: {}, pods: [] }, { node: { nodeName: 'n' } }, { node: { nodeName: 'n' }, pods: [{ podRef: {} }] }]) assert.ok(!isSummary(bad), JSON.stringify(bad));
});

test('kubeletSummarySource asks for CPU and memory only and rejects what is not a summary', async () => {
  const asked: string[] = [];
  const source = kubeletSummarySource(async (n, path) => {
    asked.push(`${n.metadata.name}${path}`);
    return n.metadata.name === 'n1' ? JSON.stringify(good('n1')) : '{"kind":"Status"}';
  });
  assert.equal((await source.summary(node('n1'))).node.nodeName, 'n1');
  await assert.rejects(source.summary(node('n2')), /not a stats summary/);
  assert.deepEqual(asked, [`n1${SUMMARY_PATH}`, `n2${SUMMARY_PATH}`]);
  assert.equal(SUMMARY_PATH, '/stats/summary?only_cpu_and_memory=true');
});

test('a kubelet answering garbage or too slowly only drops its own node from the list', async () => {
  const nodes = ['n1', 'garbage', 'nonsense', 'slow'].map(node);
  const stores: StoreLookup = {
    byResource: () => ({ peekAll: () => nodes, peek: (_ns: string | undefined, name: string) => ({ object: nodes.find((n) => n.metadata.name === name) }) }) as unknown as ResourceStore,
  };
  const source = {
    summary: async (n: KubeObject) => {
      if (n.metadata.name === 'garbage') return { node: 'x' } as never;
      if (n.metadata.name === 'nonsense') return { node: { nodeName: 'nonsense', cpu: { time: TIME, usageNanoCores: 'lots' }, memory: { time: TIME, workingSetBytes: 1 } }, pods: [] } as never;
      if (n.metadata.name === 'slow') return new Promise<never>(() => {});
      return good('n1');
    },
  };
  const api = new MetricsApi({ source, stores, timeoutMs: 200 });
  let body = '';
  let code = 0;
  const res = { headersSent: false, writeHead: (c: number) => (code = c), end: (b: Buffer) => (body = b.toString()) } as unknown as ApiResponse;
  const request: ResourceRequestInfo = { isResourceRequest: true, verb: 'list', group: 'metrics.k8s.io', version: 'v1beta1', resource: 'nodes', rest: [] };
  await api.serve(request, new URLSearchParams(), res);
  assert.equal(code, 200);
  assert.deepEqual(JSON.parse(body).items.map((m: KubeObject) => m.metadata.name), ['n1']);
});
