import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { connect, type ClientHttp2Session } from 'node:http2';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../../api/object.ts';
import type { PodStats, Summary } from '../../api/stats/summary.ts';
import { MemoryStorage } from '../../storage/memory/memory-storage.ts';
import { kubeconfigYaml } from '../../cli/kubeconfig.ts';
import { ensurePki, type Pki } from '../authn/pki.ts';
import { ApiServer } from '../server.ts';

const KUBECTL = process.env.SKIFF_KUBECTL ?? '/usr/bin/kubectl';
const MI = 1024 * 1024;
const TIME = '2024-05-01T10:00:00Z';

const container = (name: string, nanoCores: number, workingSet: number) => ({ name, startTime: TIME, cpu: { time: TIME, usageNanoCores: nanoCores, usageCoreNanoSeconds: 1e9 }, memory: { time: TIME, workingSetBytes: workingSet } });
const podStats = (name: string, namespace: string, containers: ReturnType<typeof container>[]): PodStats => ({ podRef: { name, namespace, uid: '' }, startTime: TIME, containers });

/** Fixture kubelets: n1 and n2 answer, n3's kubelet is unreachable. */
const SUMMARIES: Record<string, Summary> = {
  n1: {
    node: { nodeName: 'n1', startTime: TIME, cpu: { time: TIME, usageNanoCores: 250_000_000, usageCoreNanoSeconds: 1e12 }, memory: { time: TIME, workingSetBytes: 1024 * MI } },
    pods: [podStats('web', 'default', [container('app', 100_000_000, 20 * MI), container('sidecar', 50_000_000, 12 * MI)]), podStats('dns', 'kube-system', [container('coredns', 3_000_000, 15 * MI)])],
  },
  n2: {
    node: { nodeName: 'n2', startTime: TIME, cpu: { time: TIME, usageNanoCores: 1_500_000_000, usageCoreNanoSeconds: 1e12 }, memory: { time: TIME, workingSetBytes: 512 * MI } },
    pods: [podStats('db', 'default', [container('postgres', 700_000_000, 256 * MI)])],
  },
};

function run(kubeconfig: string, cacheDir: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  // Asynchronous on purpose: the API server answers kubectl from this same event loop.
  return new Promise((resolve) => {
    execFile(KUBECTL, ['--kubeconfig', kubeconfig, '--cache-dir', cacheDir, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** kubectl's table as rows of cells (columns are separated by 3+ spaces or padding). */
const rows = (text: string) => text.trim().split('\n').map((l) => l.trim().split(/\s{2,}/));

describe('metrics.k8s.io and the real kubectl top', () => {
  let dir: string;
  let pki: Pki;
  let server: ApiServer;
  let bare: ApiServer;
  let port: number;
  let barePort: number;
  let session: ClientHttp2Session;
  const calls: string[] = [];

  const call = (method: string, path: string, body?: object, p = port): Promise<{ status: number; json: any }> =>
    new Promise((resolve, reject) => {
      const s = p === port ? session : connect(`https://127.0.0.1:${p}`, { ca: pki.caCert, cert: pki.adminCert, key: pki.adminKey });
      const req = s.request({ ':method': method, ':path': path, 'content-type': 'application/json' });
      let data = '';
      let status = 0;
      req.on('response', (h) => (status = Number(h[':status'])));
      req.setEncoding('utf8');
      req.on('data', (d) => (data += d));
      req.on('end', () => {
        if (s !== session) s.close();
        resolve({ status, json: data ? JSON.parse(data) : undefined });
      });
      req.on('error', reject);
      req.end(body ? JSON.stringify(body) : undefined);
    });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skiff-metrics-api-'));
    pki = await ensurePki(dir, { hostnames: [], ips: [] });
    const kubeletStats = {
      summary: async (node: KubeObject) => {
        calls.push(node.metadata.name!);
        const summary = SUMMARIES[node.metadata.name!];
        if (!summary) throw new Error('connection refused');
        return summary;
      },
    };
    server = new ApiServer({ storage: new MemoryStorage(), pki, kubeletStats });
    port = await server.start(0, '127.0.0.1');
    bare = new ApiServer({ storage: new MemoryStorage(), pki });
    barePort = await bare.start(0, '127.0.0.1');
    session = connect(`https://127.0.0.1:${port}`, { ca: pki.caCert, cert: pki.adminCert, key: pki.adminKey });
    for (const [name, cpu, memory] of [['n1', '2', '4Gi'], ['n2', '2', '4Gi'], ['n3', '4', '8Gi']]) {
      const node = { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { pool: name === 'n1' ? 'a' : 'b' } }, status: { capacity: { cpu, memory, pods: '110' }, allocatable: { cpu, memory, pods: '110' } } };
      assert.equal((await call('POST', '/api/v1/nodes', node)).status, 201);
    }
    const pod = (name: string, namespace: string, nodeName: string, labels: Record<string, string>) => ({
      apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, labels }, spec: { nodeName, containers: [{ name: 'c', image: 'busybox' }] },
    });
    for (const [name, namespace, nodeName, app] of [['web', 'default', 'n1', 'web'], ['db', 'default', 'n2', 'db'], ['dns', 'kube-system', 'n1', 'dns'], ['lost', 'default', 'n3', 'lost']]) {
      assert.equal((await call('POST', `/api/v1/namespaces/${namespace}/pods`, pod(name, namespace, nodeName, { app }))).status, 201);
    }
    writeFileSync(join(dir, 'kubeconfig'), kubeconfigYaml({ server: `https://127.0.0.1:${port}`, caCert: pki.caCert, clientCert: pki.adminCert, clientKey: pki.adminKey }));
    writeFileSync(join(dir, 'bare-kubeconfig'), kubeconfigYaml({ server: `https://127.0.0.1:${barePort}`, caCert: pki.caCert, clientCert: pki.adminCert, clientKey: pki.adminKey }));
  });
  after(async () => {
    session?.close();
    await server?.stop();
    await bare?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('kubectl top node prints usage and percentages of allocatable; an unreachable kubelet shows <unknown>', async () => {
    const out = await run(join(dir, 'kubeconfig'), join(dir, 'cache'), ['top', 'node']);
    assert.equal(out.code, 0, out.stderr);
    assert.deepEqual(rows(out.stdout), [
      ['NAME', 'CPU(cores)', 'CPU(%)', 'MEMORY(bytes)', 'MEMORY(%)'],
      ['n1', '250m', '12%', '1024Mi', '25%'],
      ['n2', '1500m', '75%', '512Mi', '12%'],
      ['n3', '<unknown>', '<unknown>', '<unknown>', '<unknown>'],
    ]);
    const selected = await run(join(dir, 'kubeconfig'), join(dir, 'cache'), ['top', 'node', '-l', 'pool=a']);
    assert.deepEqual(rows(selected.stdout).map((r) => r[0]), ['NAME', 'n1']);
  });

  test('kubectl top pod: per namespace, all namespaces, containers, label selector', async () => {
    const ns = await run(join(dir, 'kubeconfig'), join(dir, 'cache'), ['top', 'pod']);
    assert.equal(ns.code, 0, ns.stderr);
    assert.deepEqual(rows(ns.stdout), [['NAME', 'CPU(cores)', 'MEMORY(bytes)'], ['db', '700m', '256Mi'], ['web', '150m', '32Mi']]);
    const all = await run(join(dir, 'kubeconfig'), join(dir, 'cache'), ['top', 'pod', '-A']);
    assert.deepEqual(rows(all.stdout), [
      ['NAMESPACE', 'NAME', 'CPU(cores)', 'MEMORY(bytes)'],
      ['default', 'db', '700m', '256Mi'],
      ['default', 'web', '150m', '32Mi'],
      ['kube-system', 'dns', '3m', '15Mi'],
    ]);
    const containers = await run(join(dir, 'kubeconfig'), join(dir, 'cache'), ['top', 'pod', 'web', '--containers']);
    assert.deepEqual(rows(containers.stdout), [['POD', 'NAME', 'CPU(cores)', 'MEMORY(bytes)'], ['web', 'app', '100m', '20Mi'], ['web', 'sidecar', '50m', '12Mi']]);
    const selected = await run(join(dir, 'kubeconfig'), join(dir, 'cache'), ['top', 'pod', '-l', 'app=db']);
    assert.deepEqual(rows(selected.stdout), [['NAME', 'CPU(cores)', 'MEMORY(bytes)'], ['db', '700m', '256Mi']]);
  });

  test('summaries are reused within the resolution: repeated lists ask each answering kubelet once', async () => {
    // The failed n3 is retried sooner (a third of the resolution), so only n1 and n2 are counted.
    const answered = () => calls.filter((n) => n !== 'n3').length;
    const before = answered();
    await Promise.all([call('GET', '/apis/metrics.k8s.io/v1beta1/nodes'), call('GET', '/apis/metrics.k8s.io/v1beta1/pods')]);
    await call('GET', '/apis/metrics.k8s.io/v1beta1/nodes');
    assert.equal(answered(), before, 'all answered from the cache filled by kubectl top');
    assert.deepEqual(calls.slice(0, 3).sort(), ['n1', 'n2', 'n3'], 'the first kubectl top asked every kubelet once, concurrently');
  });

  test('the API objects, discovery, and Status errors', async () => {
    const node = await call('GET', '/apis/metrics.k8s.io/v1beta1/nodes/n2');
    assert.equal(node.status, 200);
    assert.equal(node.json.kind, 'NodeMetrics');
    assert.deepEqual(node.json.usage, { cpu: '1500m', memory: '512Mi' });
    assert.equal(node.json.window, '10s');
    assert.deepEqual(node.json.metadata.labels, { pool: 'b' });
    const pod = await call('GET', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/web');
    assert.equal(pod.json.kind, 'PodMetrics');
    assert.deepEqual(pod.json.containers.map((c: { name: string }) => c.name), ['app', 'sidecar']);
    const list = await call('GET', '/apis/metrics.k8s.io/v1beta1/pods?fieldSelector=metadata.namespace%3Dkube-system');
    assert.equal(list.json.kind, 'PodMetricsList');
    assert.deepEqual(list.json.items.map((p: KubeObject) => p.metadata.name), ['dns']);

    const groups = (await call('GET', '/apis')).json.groups.map((g: { name: string }) => g.name);
    assert.ok(groups.includes('metrics.k8s.io'));
    const agg = await new Promise<any>((resolve, reject) => {
      const req = session.request({ ':path': '/apis', accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' });
      let data = '';
      req.setEncoding('utf8');
      req.on('data', (d) => (data += d));
      req.on('end', () => resolve(JSON.parse(data)));
      req.on('error', reject);
    });
    const metricsGroup = agg.items.find((g: KubeObject) => g.metadata.name === 'metrics.k8s.io');
    assert.deepEqual(metricsGroup.versions[0].resources.map((r: { resource: string; scope: string; verbs: string[] }) => [r.resource, r.scope, r.verbs]), [['nodes', 'Cluster', ['get', 'list']], ['pods', 'Namespaced', ['get', 'list']]]);
    const resources = (await call('GET', '/apis/metrics.k8s.io/v1beta1')).json;
    assert.deepEqual(resources.resources.map((r: { name: string; kind: string; namespaced: boolean }) => [r.name, r.kind, r.namespaced]), [['nodes', 'NodeMetrics', false], ['pods', 'PodMetrics', true]]);

    const cases: [string, string, number, string][] = [
      ['GET', '/apis/metrics.k8s.io/v1beta1/nodes/n3', 404, 'NotFound'],
      ['GET', '/apis/metrics.k8s.io/v1beta1/nodes/absent', 404, 'NotFound'],
      ['GET', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/lost', 404, 'NotFound'],
      ['GET', '/apis/metrics.k8s.io/v1beta1/widgets', 404, 'NotFound'],
      ['GET', '/apis/metrics.k8s.io/v1/nodes', 404, 'NotFound'],
      ['POST', '/apis/metrics.k8s.io/v1beta1/nodes', 405, 'MethodNotAllowed'],
      ['DELETE', '/apis/metrics.k8s.io/v1beta1/nodes/n1', 405, 'MethodNotAllowed'],
      ['GET', '/apis/metrics.k8s.io/v1beta1/nodes?watch=true', 405, 'MethodNotAllowed'],
      ['GET', '/apis/metrics.k8s.io/v1beta1/pods?labelSelector=a%20in%20(', 400, 'BadRequest'],
    ];
    for (const [method, path, code, reason] of cases) {
      const reply = await call(method, path, method === 'POST' ? {} : undefined);
      assert.equal(reply.status, code, `${method} ${path}`);
      assert.equal(reply.json.kind, 'Status');
      assert.equal(reply.json.reason, reason, `${method} ${path}`);
    }
    assert.equal((await call('GET', '/apis/metrics.k8s.io/v1beta1/nodes/n3')).json.message, 'nodes.metrics.k8s.io "n3" not found');
  });

  test('without a stats source the group answers 503 and kubectl top reports it', async () => {
    for (const path of ['/apis/metrics.k8s.io/v1beta1/nodes', '/apis/metrics.k8s.io/v1beta1', '/apis/metrics.k8s.io']) {
      const reply = await call('GET', path, undefined, barePort);
      assert.equal(reply.status, 503, path);
      assert.equal(reply.json.reason, 'ServiceUnavailable');
    }
    const groups = (await call('GET', '/apis', undefined, barePort)).json.groups.map((g: { name: string }) => g.name);
    assert.ok(!groups.includes('metrics.k8s.io'));
    const out = await run(join(dir, 'bare-kubeconfig'), join(dir, 'bare-cache'), ['top', 'node']);
    assert.notEqual(out.code, 0);
    assert.match(out.stderr, /Metrics API not available/);
  });
});
