import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeClock, FakeRuntime } from './fake-runtime.ts';
import { defaultProbeRunner, ProbeManager, resolvePort, type ProbeType } from './probes.ts';
import type { ContainerSpec } from './runtime-interface.ts';

function manager(verdicts: boolean[]) {
  const clock = new FakeClock();
  const changes: string[] = [];
  const runs: number[] = [];
  const start = clock.now();
  const m = new ProbeManager({
    clock,
    runner: async () => {
      runs.push((clock.now() - start) / 1000);
      return verdicts.shift() ?? true;
    },
    onChange: (_id, type: ProbeType, result) => changes.push(`${type}=${result}@${(clock.now() - start) / 1000}`),
  });
  return { clock, m, changes, runs };
}

describe('ProbeManager', () => {
  test('readiness: starts false, honours initialDelaySeconds, periodSeconds and successThreshold', async () => {
    const h = manager([true, true, false, false, false]);
    h.m.addContainer('c1', '10.0.0.1', { name: 'a', readinessProbe: { initialDelaySeconds: 5, periodSeconds: 3, successThreshold: 2, failureThreshold: 3, exec: { command: ['x'] } } });
    assert.equal(h.m.isReady('c1'), false);
    await h.clock.advance(4000);
    assert.deepEqual(h.runs, []);
    await h.clock.advance(4000);
    assert.deepEqual(h.runs, [5, 8]);
    assert.equal(h.m.isReady('c1'), true);
    await h.clock.advance(9000);
    assert.deepEqual(h.changes, ['readiness=true@8', 'readiness=false@17']);
    assert.equal(h.m.isReady('c1'), false);
    assert.equal(h.m.failedProbe('c1'), undefined, 'readiness failure never restarts');
    h.m.stopAll();
  });

  test('liveness: starts true, fails after failureThreshold consecutive failures, then stops probing', async () => {
    const h = manager([false, true, false, false, false]);
    h.m.addContainer('c1', '10.0.0.1', { name: 'a', livenessProbe: { periodSeconds: 10, failureThreshold: 3, exec: { command: ['x'] } } });
    await h.clock.advance(35_000);
    assert.equal(h.m.failedProbe('c1'), undefined);
    await h.clock.advance(10_000);
    assert.equal(h.m.failedProbe('c1'), 'liveness');
    assert.deepEqual(h.changes, ['liveness=false@40']);
    await h.clock.advance(60_000);
    assert.equal(h.runs.length, 5);
    h.m.removeContainer('c1');
    assert.equal(h.m.isReady('c1'), false);
  });

  test('containers without probes are started and ready', () => {
    const h = manager([]);
    h.m.addContainer('c1', '10.0.0.1', { name: 'a' });
    assert.equal(h.m.isStarted('c1'), true);
    assert.equal(h.m.isReady('c1'), true);
  });
});

describe('probe handlers', () => {
  const container: ContainerSpec = { name: 'web', ports: [{ name: 'http', containerPort: 8080 }] };

  test('resolvePort resolves named container ports', () => {
    assert.equal(resolvePort('http', container), 8080);
    assert.equal(resolvePort(9090, container), 9090);
    assert.equal(resolvePort('9091', container), 9091);
    assert.throws(() => resolvePort('metrics', container), /couldn't find port: metrics/);
  });

  test('exec succeeds on exit 0 only, through the runtime', async () => {
    const clock = new FakeClock();
    const runtime = new FakeRuntime(clock);
    const sandbox = await runtime.runSandbox({ metadata: { name: 'p' }, spec: { containers: [] } });
    const id = await runtime.createContainer(sandbox.sandboxId, { metadata: { name: 'p' }, spec: { containers: [] } }, { name: 'web', image: 'x' }, 0);
    await runtime.startContainer(id);
    runtime.execHandler = (_c, cmd) => ({ exitCode: cmd[0] === 'ok' ? 0 : 1, stdout: '', stderr: '' });
    const run = defaultProbeRunner(runtime);
    const target = { containerId: id, podIP: '127.0.0.1', container };
    assert.equal(await run({ exec: { command: ['ok'] } }, target, 1), true);
    assert.equal(await run({ exec: { command: ['no'] } }, target, 1), false);
  });

  test('httpGet: 2xx/3xx succeed, 4xx/5xx and refused connections fail; kube-probe user agent', async () => {
    const agents: string[] = [];
    const server = http.createServer((req, res) => {
      agents.push(req.headers['user-agent'] ?? '');
      res.statusCode = req.url === '/healthz' ? 200 : req.url === '/moved' ? 302 : 500;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const run = defaultProbeRunner(new FakeRuntime(new FakeClock()));
    const target = { containerId: 'x', podIP: '127.0.0.1', container: { name: 'web', ports: [{ name: 'http', containerPort: port }] } };
    try {
      assert.equal(await run({ httpGet: { path: '/healthz', port: 'http' } }, target, 1), true);
      assert.equal(await run({ httpGet: { path: '/moved', port } }, target, 1), true);
      assert.equal(await run({ httpGet: { path: '/broken', port } }, target, 1), false);
      assert.equal(agents[0], 'kube-probe/1.32');
      assert.equal(await run({ tcpSocket: { port } }, target, 1), true);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    assert.equal(await run({ httpGet: { path: '/', port } }, target, 1), false);
    assert.equal(await run({ tcpSocket: { port } }, target, 1), false);
  });

  test('grpc: SERVING succeeds, NOT_SERVING fails (grpc.health.v1)', async () => {
    const grpc = await import('@grpc/grpc-js');
    const server = new grpc.Server();
    server.addService({
      Check: {
        path: '/grpc.health.v1.Health/Check', requestStream: false, responseStream: false,
        requestSerialize: (b: Buffer) => b, requestDeserialize: (b: Buffer) => b,
        responseSerialize: (b: Buffer) => b, responseDeserialize: (b: Buffer) => b,
      },
    }, {
      Check: (call: { request: Buffer }, cb: (err: null, res: Buffer) => void) => {
        const service = call.request.length > 2 ? call.request.subarray(2).toString() : '';
        cb(null, Buffer.from([0x08, service === 'down' ? 2 : 1]));
      },
    } as never);
    const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
    const run = defaultProbeRunner(new FakeRuntime(new FakeClock()));
    const target = { containerId: 'x', podIP: '127.0.0.1', container };
    try {
      assert.equal(await run({ grpc: { port } }, target, 2), true);
      assert.equal(await run({ grpc: { port, service: 'down' } }, target, 2), false);
    } finally {
      server.forceShutdown();
    }
  });
});
