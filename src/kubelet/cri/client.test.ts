import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { CRI_PROTO_PATH, CriClient, CriError } from './client.ts';

// A fake CRI runtime on a unix socket, loaded from the same proto with the wire (snake_case)
// field names, so the test checks the client's camelCase mapping, int64/enum decoding,
// error codes and deadlines against real gRPC encoding.
type Handler = (call: { request: Record<string, unknown> }, cb: (err: Partial<grpc.ServiceError> | null, res?: object) => void) => void;

describe('CriClient', () => {
  let dir = '';
  let server: grpc.Server;
  let client: CriClient;
  const seen: Record<string, Record<string, unknown>> = {};

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skiff-cri-client-'));
    const def = protoLoader.loadSync(CRI_PROTO_PATH, { keepCase: true, longs: Number, enums: String, defaults: true });
    const v1 = (grpc.loadPackageDefinition(def).runtime as grpc.GrpcObject).v1 as grpc.GrpcObject;
    const record = (name: string, reply: object): Handler => (call, cb) => { seen[name] = call.request; cb(null, reply); };
    server = new grpc.Server();
    server.addService((v1.RuntimeService as grpc.ServiceClientConstructor).service, {
      Version: record('Version', { version: '0.1.0', runtime_name: 'fake', runtime_version: '1.0', runtime_api_version: 'v1' }),
      Status: record('Status', { status: { conditions: [{ type: 'RuntimeReady', status: true }, { type: 'NetworkReady', status: false, reason: 'NoCNI' }] } }),
      RunPodSandbox: record('RunPodSandbox', { pod_sandbox_id: 'sb1' }),
      PodSandboxStatus: record('PodSandboxStatus', {
        status: { id: 'sb1', state: 'SANDBOX_NOTREADY', created_at: 1_700_000_000_000_000_000, network: { ip: '10.244.77.2' } },
      }),
      CreateContainer: record('CreateContainer', { container_id: 'c1' }),
      RemoveContainer: ((_call, cb) => cb({ code: grpc.status.NOT_FOUND, details: 'container "c9" not found' })) as Handler,
      ExecSync: ((_call, cb) => { setTimeout(() => cb(null, {}), 1000); }) as Handler,
    } as grpc.UntypedServiceImplementation);
    server.addService((v1.ImageService as grpc.ServiceClientConstructor).service, {
      ImageStatus: record('ImageStatus', {}),
    } as grpc.UntypedServiceImplementation);
    await new Promise<void>((resolve, reject) => server.bindAsync(`unix://${join(dir, 'cri.sock')}`, grpc.ServerCredentials.createInsecure(),
      (err) => (err ? reject(err) : resolve())));
    client = new CriClient(join(dir, 'cri.sock'), { timeoutMs: 5000 });
  });

  after(async () => {
    client.close();
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  test('Version sends v1 and maps snake_case fields to camelCase', async () => {
    assert.deepEqual(await client.version(), { version: '0.1.0', runtimeName: 'fake', runtimeVersion: '1.0', runtimeApiVersion: 'v1' });
    assert.equal(seen.Version?.version, 'v1');
  });

  test('Status returns the runtime conditions', async () => {
    const conditions = await client.status();
    assert.deepEqual(conditions.map((c) => [c.type, c.status, c.reason]), [['RuntimeReady', true, ''], ['NetworkReady', false, 'NoCNI']]);
  });

  test('RunPodSandbox sends metadata and port mappings with wire field names', async () => {
    const id = await client.runPodSandbox({ metadata: { name: 'web', namespace: 'default', uid: 'u1' }, portMappings: [{ containerPort: 80, hostPort: 8080 }] });
    assert.equal(id, 'sb1');
    const config = seen.RunPodSandbox?.config as { metadata: { uid: string }; port_mappings: { container_port: number; host_port: number; protocol: string }[] };
    assert.equal(config.metadata.uid, 'u1');
    assert.deepEqual(config.port_mappings.map((p) => [p.container_port, p.host_port, p.protocol]), [[80, 8080, 'TCP']]);
  });

  test('PodSandboxStatus decodes enums as names and int64 as numbers', async () => {
    const status = await client.podSandboxStatus('sb1');
    assert.equal(status.state, 'SANDBOX_NOTREADY');
    assert.equal(typeof status.createdAt, 'number');
    assert.equal(status.network?.ip, '10.244.77.2');
  });

  test('CreateContainer encodes env values as bytes', async () => {
    await client.createContainer('sb1', { metadata: { name: 'c' }, image: { image: 'busybox' }, envs: [{ key: 'A', value: 'b' }] }, { metadata: { name: 'web', namespace: 'default', uid: 'u1' } });
    const config = seen.CreateContainer?.config as { envs: { key: string; value: Buffer }[] };
    assert.equal(config.envs[0]?.value.toString(), 'b');
    assert.equal(seen.CreateContainer?.pod_sandbox_id, 'sb1');
  });

  test('runtime errors reject with CriError carrying the gRPC code', async () => {
    await assert.rejects(client.removeContainer('c9'), (err) => err instanceof CriError && err.code === grpc.status.NOT_FOUND && /not found/.test(err.message));
  });

  test('calls past the deadline reject with DEADLINE_EXCEEDED', async () => {
    await assert.rejects(client.call('runtime', 'ExecSync', { containerId: 'c1', cmd: ['true'] }, 100),
      (err) => err instanceof CriError && err.code === grpc.status.DEADLINE_EXCEEDED);
  });

  test('ImageStatus of an absent image is null', async () => {
    assert.equal(await client.imageStatus('docker.io/library/absent:1'), null);
    assert.deepEqual((seen.ImageStatus?.image as { image: string }).image, 'docker.io/library/absent:1');
  });

  test('a runtime that is not listening rejects with UNAVAILABLE; the client connects once it listens', async () => {
    const path = join(dir, 'late.sock');
    const late = new CriClient(path, { timeoutMs: 2000 });
    const lateServer = new grpc.Server();
    try {
      await assert.rejects(late.version(), (err) => err instanceof CriError && err.code === grpc.status.UNAVAILABLE);
      const def = protoLoader.loadSync(CRI_PROTO_PATH, { keepCase: true, longs: Number, enums: String, defaults: true });
      const v1 = (grpc.loadPackageDefinition(def).runtime as grpc.GrpcObject).v1 as grpc.GrpcObject;
      lateServer.addService((v1.RuntimeService as grpc.ServiceClientConstructor).service, {
        Version: ((_call, cb) => cb(null, { version: '0.1.0', runtime_name: 'late' })) as Handler,
      } as grpc.UntypedServiceImplementation);
      await new Promise<void>((resolve, reject) => lateServer.bindAsync(`unix://${path}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
      assert.equal((await late.version()).runtimeName, 'late');
    } finally {
      late.close();
      lateServer.forceShutdown();
    }
    await assert.rejects(late.version(), (err) => err instanceof CriError && err.code === grpc.status.UNAVAILABLE && /closed/.test(err.message));
  });
});
