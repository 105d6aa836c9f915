import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';
import { CRI_PROTO_PATH } from './client.ts';
import { ProtoCodec } from './proto-codec.ts';
import { camelCase, parseProto } from './proto-schema.ts';

// protobufjs (what @grpc/proto-loader uses) is the reference: what one encodes the other must decode.
const text = readFileSync(CRI_PROTO_PATH, 'utf8');
const codec = new ProtoCodec(parseProto(text));
const root = protobuf.parse(text, { keepCase: false }).root;
const ref = (name: string) => root.lookupType(`runtime.v1.${name}`);
const toObject = (name: string, data: Uint8Array) =>
  ref(name).toObject(ref(name).decode(data), { longs: Number, enums: String, defaults: true, bytes: Buffer }) as Record<string, unknown>;

describe('CRI proto codec', () => {
  test('parses every message, enum and method of api.proto', () => {
    const schema = parseProto(text);
    assert.equal(schema.package, 'runtime.v1');
    assert.deepEqual(schema.methods.get('RuntimeService/RunPodSandbox'), { service: 'RuntimeService', input: 'RunPodSandboxRequest', output: 'RunPodSandboxResponse' });
    const types = Object.values((root.lookup('runtime.v1') as protobuf.Namespace).nested ?? {}).filter((n) => n instanceof protobuf.Type);
    assert.equal(schema.messages.size, types.length);
    for (const t of types as protobuf.Type[]) assert.equal(schema.messages.get(t.name)?.length, t.fieldsArray.length, t.name);
    assert.equal(camelCase('runtime_api_version'), 'runtimeApiVersion');
  });

  test('refuses constructs outside the subset', () => {
    assert.throws(() => parseProto('syntax = "proto3"; message A { oneof x { string a = 1; } }'), /cannot parse/);
    assert.throws(() => parseProto('syntax = "proto3"; message A { Missing b = 1; }'), /unknown type Missing/);
    assert.throws(() => parseProto('syntax = "proto2";'), /only proto3/);
  });

  test('a sandbox config round-trips through protobufjs: maps, enums, packed int64 (negative too), nested messages', () => {
    const config = {
      metadata: { name: 'web', namespace: 'default', uid: 'u1', attempt: 3 },
      hostname: 'web',
      dnsConfig: { servers: ['10.43.0.10'], searches: ['default.svc.cluster.local'], options: ['ndots:5'] },
      portMappings: [{ protocol: 'UDP', containerPort: 53, hostPort: 5353, hostIp: '' }],
      labels: { app: 'web', 'io.kubernetes.pod.uid': 'u1' },
      linux: { securityContext: { namespaceOptions: { network: 'NODE', pid: 'CONTAINER', ipc: 'POD' }, supplementalGroups: [1, -2, 2 ** 40], runAsUser: { value: 0 } } },
    };
    const bytes = codec.encode('PodSandboxConfig', config);
    const back = toObject('PodSandboxConfig', bytes);
    assert.deepEqual((back.metadata as Record<string, unknown>).attempt, 3);
    assert.deepEqual(back.labels, config.labels);
    assert.deepEqual((back.portMappings as unknown[])[0], { protocol: 'UDP', containerPort: 53, hostPort: 5353, hostIp: '' });
    const linux = back.linux as { securityContext: { namespaceOptions: Record<string, string>; supplementalGroups: number[]; runAsUser: { value: number } } };
    assert.deepEqual(linux.securityContext.supplementalGroups, [1, -2, 2 ** 40]);
    assert.equal(linux.securityContext.namespaceOptions.network, 'NODE');
    // A present message with only zero fields stays present (Go sees a non-nil pointer).
    assert.deepEqual(linux.securityContext.runAsUser, { value: 0 });
    assert.deepEqual(codec.decode('PodSandboxConfig', bytes), toObject('PodSandboxConfig', bytes));
  });

  test('decoding gives proto-loader defaults: zero scalars, null messages, [] and {}', () => {
    const bytes = ref('ContainerStatus').encode(ref('ContainerStatus').fromObject({ id: 'c1', state: 'CONTAINER_EXITED', exitCode: -1, finishedAt: 1_700_000_000_123_456_789 })).finish();
    const out = codec.decode('ContainerStatus', bytes);
    assert.deepEqual(out, toObject('ContainerStatus', bytes));
    assert.equal(out.exitCode, -1);
    assert.equal(out.image, null);
    assert.deepEqual(out.labels, {});
    assert.equal(out.startedAt, 0);
  });

  test('unknown fields are skipped and bytes decode as Buffers', () => {
    const known = ref('ExecSyncResponse').encode(ref('ExecSyncResponse').fromObject({ stdout: Buffer.from('hi'), exitCode: 2 })).finish();
    // field 99 (varint) and field 98 (length-delimited) appended: a newer runtime's fields.
    const withUnknown = Buffer.concat([known, Buffer.from([0x98, 0x06, 0x07, 0x92, 0x06, 0x01, 0x41])]);
    const out = codec.decode('ExecSyncResponse', withUnknown);
    assert.ok(Buffer.isBuffer(out.stdout));
    assert.equal((out.stdout as Buffer).toString(), 'hi');
    assert.equal(out.exitCode, 2);
  });

  test('malformed input throws instead of reading past the end', () => {
    assert.throws(() => codec.decode('VersionResponse', Buffer.from([0x0a, 0x10, 0x41])), /past the end/);
    assert.throws(() => codec.encode('PortMapping', { protocol: 'QUIC' }), /not a value of enum Protocol/);
  });
});
