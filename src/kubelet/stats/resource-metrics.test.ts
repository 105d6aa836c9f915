import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Summary } from '../../api/stats/summary.ts';
import { goFloat, resourceMetricsText } from './resource-metrics.ts';
import { statsHandler } from './handler.ts';

const SUMMARY: Summary = {
  node: { nodeName: 'n1', startTime: '2024-01-01T00:00:00Z', cpu: { time: '2024-01-01T00:10:00Z', usageNanoCores: 5e8, usageCoreNanoSeconds: 123.5e9 }, memory: { time: '2024-01-01T00:10:01Z', workingSetBytes: 123456789 } },
  pods: [{
    podRef: { name: 'web', namespace: 'default', uid: 'u1' },
    startTime: '2024-01-01T00:05:00Z',
    containers: [{ name: 'app', startTime: '2024-01-01T00:05:01Z', cpu: { time: '2024-01-01T00:10:00Z', usageCoreNanoSeconds: 2.25e9 }, memory: { time: '2024-01-01T00:10:00Z', workingSetBytes: 4096 } }],
    cpu: { time: '2024-01-01T00:10:00Z', usageCoreNanoSeconds: 2.25e9 },
    memory: { time: '2024-01-01T00:10:00Z', workingSetBytes: 4096 },
  }],
};

test('floats print as Go strconv g -1 (Prometheus text encoder)', () => {
  assert.equal(goFloat(0), '0');
  assert.equal(goFloat(2.25), '2.25');
  assert.equal(goFloat(123456), '123456');
  assert.equal(goFloat(123456789), '1.23456789e+08');
  assert.equal(goFloat(1.5e9), '1.5e+09');
  assert.equal(goFloat(0.00001), '1e-05');
});

test('/metrics/resource: kubelet metric names, sorted labels, millisecond timestamps', () => {
  const text = resourceMetricsText(SUMMARY);
  const ms = (t: string) => Date.parse(t);
  assert.ok(text.includes('# HELP container_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the container in core-seconds\n# TYPE container_cpu_usage_seconds_total counter\n'));
  assert.ok(text.includes(`container_cpu_usage_seconds_total{container="app",namespace="default",pod="web"} 2.25 ${ms('2024-01-01T00:10:00Z')}\n`));
  assert.ok(text.includes(`container_memory_working_set_bytes{container="app",namespace="default",pod="web"} 4096 ${ms('2024-01-01T00:10:00Z')}\n`));
  assert.ok(text.includes(`container_start_time_seconds{container="app",namespace="default",pod="web"} 1.704067501e+09\n`));
  assert.ok(text.includes(`node_cpu_usage_seconds_total 123.5 ${ms('2024-01-01T00:10:00Z')}\n`));
  assert.ok(text.includes(`node_memory_working_set_bytes 1.23456789e+08 ${ms('2024-01-01T00:10:01Z')}\n`));
  assert.ok(text.includes(`pod_cpu_usage_seconds_total{namespace="default",pod="web"} 2.25 ${ms('2024-01-01T00:10:00Z')}\n`));
  assert.ok(text.includes(`pod_memory_working_set_bytes{namespace="default",pod="web"} 4096`));
  assert.ok(text.endsWith('# TYPE resource_scrape_error gauge\nresource_scrape_error 0\n'));
  const names = [...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]);
  assert.deepEqual(names, [...names].sort(), 'families sorted by name');
  assert.equal(resourceMetricsText(undefined), '# HELP resource_scrape_error [STABLE] 1 if there was an error while getting container metrics, 0 otherwise\n# TYPE resource_scrape_error gauge\nresource_scrape_error 1\n');
});

test('statsHandler serves /stats/summary and /metrics/resource; errors answer 500, 404, 405', async () => {
  let fail = false;
  const seen: unknown[] = [];
  const handler = statsHandler({ summary: async (options) => { seen.push(options); if (fail) throw new Error('runtime down'); return SUMMARY; } });
  const server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const get = (path: string, method = 'GET') => new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body }));
    });
    req.on('error', reject);
    req.end();
  });
  try {
    const summary = await get('/stats/summary');
    assert.equal(summary.status, 200);
    assert.equal(summary.type, 'application/json');
    assert.deepEqual(JSON.parse(summary.body), SUMMARY);
    await get('/stats/summary?only_cpu_and_memory=true');
    assert.deepEqual(seen, [{ onlyCpuAndMemory: false }, { onlyCpuAndMemory: true }]);
    const metrics = await get('/metrics/resource');
    assert.match(metrics.type, /^text\/plain; version=0\.0\.4/);
    assert.match(metrics.body, /^resource_scrape_error 0$/m);
    assert.equal((await get('/stats/other')).status, 404);
    assert.equal((await get('/stats/summary', 'DELETE')).status, 405);
    fail = true;
    const failed = await get('/stats/summary');
    assert.equal(failed.status, 500);
    assert.match(failed.body, /runtime down/);
    assert.match((await get('/metrics/resource')).body, /^resource_scrape_error 1$/m);
  } finally {
    server.close();
  }
});
