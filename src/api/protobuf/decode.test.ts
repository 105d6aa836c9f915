import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { decodeProtobufObject, isKubernetesProtobuf } from './decode.ts';
import { k8sBody, lfield, mapEntry, mfield, vfield } from './test-wire.ts';

const FIXTURES = new URL('./fixtures/', import.meta.url);

describe('decodeProtobufObject on bodies recorded from kubectl 1.32', () => {
  const names = readdirSync(FIXTURES).filter((f) => f.endsWith('.pb')).map((f) => f.slice(0, -3));
  for (const name of names.filter((n) => existsSync(new URL(`${n}.json`, FIXTURES)))) {
    test(`${name}: same JSON (values and key order) as kubectl's --dry-run=client -o json`, () => {
      const decoded = decodeProtobufObject(readFileSync(new URL(`${name}.pb`, FIXTURES)));
      const want = readFileSync(new URL(`${name}.json`, FIXTURES), 'utf8').trim();
      assert.equal(JSON.stringify(decoded.object), want);
      const parsed = JSON.parse(want) as { apiVersion: string; kind: string };
      assert.equal(decoded.apiVersion, parsed.apiVersion);
      assert.equal(decoded.kind, parsed.kind);
    });
  }

  test('recorded at least the six commands of the brief', () => {
    for (const n of ['configmap', 'secret', 'deployment', 'service', 'job', 'namespace']) assert.ok(names.includes(n), n);
  });

  test('token request (kubectl create token sa --duration=1h): pointer int64, zero Time is null', () => {
    const { apiVersion, kind, object } = decodeProtobufObject(readFileSync(new URL('token.pb', FIXTURES)));
    assert.equal(apiVersion, 'authentication.k8s.io/v1');
    assert.equal(kind, 'TokenRequest');
    assert.deepEqual(object, {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { creationTimestamp: null },
      spec: { expirationSeconds: 3600 },
      // TokenRequestStatus.token has no omitempty in Go, so its empty value stays.
      status: { token: '', expirationTimestamp: null },
    });
  });
});

describe('decodeProtobufObject field semantics', () => {
  test('Eviction (policy/v1) carries meta DeleteOptions with pointer zeros kept', () => {
    const body = k8sBody('policy/v1', 'Eviction',
      mfield(1, lfield(1, 'p1'), lfield(3, 'default')),
      mfield(2, vfield(1, 0), mfield(2, lfield(1, 'uid-1')), vfield(3, false), lfield(5, 'All')));
    assert.deepEqual(decodeProtobufObject(body).object, {
      kind: 'Eviction',
      apiVersion: 'policy/v1',
      metadata: { name: 'p1', namespace: 'default' },
      deleteOptions: { gracePeriodSeconds: 0, preconditions: { uid: 'uid-1' }, orphanDependents: false, dryRun: ['All'] },
    });
  });

  test('DeleteOptions is found under any group version and under meta.k8s.io/v1', () => {
    for (const apiVersion of ['v1', 'apps/v1', 'meta.k8s.io/v1']) {
      const out = decodeProtobufObject(k8sBody(apiVersion, 'DeleteOptions', lfield(4, 'Foreground')));
      assert.deepEqual(out.object, { kind: 'DeleteOptions', apiVersion, propagationPolicy: 'Foreground' });
    }
  });

  test('non-pointer omitempty zeros are dropped, pointer zeros and non-omitempty zeros kept', () => {
    // DeploymentSpec: replicas *int32 (1), minReadySeconds int32 omitempty (5), paused bool omitempty (7)
    const body = k8sBody('apps/v1', 'Deployment', mfield(2, vfield(1, 0), vfield(5, 0), vfield(7, false)));
    assert.deepEqual(decodeProtobufObject(body).object, { kind: 'Deployment', apiVersion: 'apps/v1', spec: { replicas: 0 } });
    // PriorityClass.value int32 without omitempty; a negative int32 is a ten-byte varint.
    const pc = k8sBody('scheduling.k8s.io/v1', 'PriorityClass', vfield(2, -5), vfield(3, false));
    assert.deepEqual(decodeProtobufObject(pc).object, { kind: 'PriorityClass', apiVersion: 'scheduling.k8s.io/v1', value: -5 });
  });

  test('int64 beyond 32 bits and negative int64', () => {
    const body = k8sBody('v1', 'Pod', mfield(2, vfield(4, 2 ** 40 + 3), vfield(5, -7)));
    const spec = decodeProtobufObject(body).object.spec;
    assert.deepEqual(spec, { terminationGracePeriodSeconds: 2 ** 40 + 3, activeDeadlineSeconds: -7 });
  });

  test('Time, MicroTime and inline fields (Volume.volumeSource)', () => {
    const time = (s: number, n = 0): Buffer => Buffer.concat([vfield(1, s), vfield(2, n)]);
    const lease = k8sBody('coordination.k8s.io/v1', 'Lease',
      mfield(1, lfield(8, time(1700000000, 5e8))),
      mfield(2, lfield(3, time(1700000001, 123456789)), lfield(4, Buffer.alloc(0))));
    assert.deepEqual(decodeProtobufObject(lease).object, {
      kind: 'Lease', apiVersion: 'coordination.k8s.io/v1',
      metadata: { creationTimestamp: '2023-11-14T22:13:20Z' },
      spec: { acquireTime: '2023-11-14T22:13:21.123456Z', renewTime: null },
    });
    // PodSpec.volumes[] = Volume{name, VolumeSource{emptyDir{}}}: Go's JSON inlines VolumeSource.
    const pod = k8sBody('v1', 'Pod', mfield(2, mfield(1, lfield(1, 'scratch'), mfield(2, mfield(2)))));
    assert.deepEqual(decodeProtobufObject(pod).object.spec, { volumes: [{ name: 'scratch', emptyDir: {} }] });
  });

  test('IntOrString string form, Quantity map, bytes map', () => {
    const quota = k8sBody('v1', 'ResourceQuota', mfield(2, mapEntry(1, 'cpu', lfield(1, '500m')), mapEntry(1, 'pods', Buffer.alloc(0))));
    // An empty Quantity message is the zero quantity, which Go writes as "0".
    assert.deepEqual(decodeProtobufObject(quota).object.spec, { hard: { cpu: '500m', pods: '0' } });
    const svc = k8sBody('v1', 'Service', mfield(2, mfield(1, vfield(3, 80), mfield(4, vfield(1, 1), lfield(3, 'http')))));
    assert.deepEqual(decodeProtobufObject(svc).object.spec, { ports: [{ port: 80, targetPort: 'http' }] });
    const cm = k8sBody('v1', 'ConfigMap', mapEntry(3, 'bin', Buffer.from([0, 1, 255])));
    assert.deepEqual(decodeProtobufObject(cm).object.binaryData, { bin: 'AAH/' });
  });

  test('RawExtension (JSON and nested protobuf) and FieldsV1', () => {
    const inner = k8sBody('v1', 'ConfigMap', mapEntry(2, 'k', 'v'));
    const json = k8sBody('apps/v1', 'ControllerRevision', mfield(2, lfield(1, '{"spec":{"a":1}}')), vfield(3, 4));
    assert.deepEqual(decodeProtobufObject(json).object, { kind: 'ControllerRevision', apiVersion: 'apps/v1', data: { spec: { a: 1 } }, revision: 4 });
    const nested = k8sBody('apps/v1', 'ControllerRevision', mfield(2, lfield(1, inner)));
    assert.deepEqual(decodeProtobufObject(nested).object.data, { kind: 'ConfigMap', apiVersion: 'v1', data: { k: 'v' } });
    const managed = k8sBody('v1', 'ConfigMap', mfield(1, mfield(17, lfield(1, 'kubectl'), lfield(6, 'FieldsV1'), mfield(7, lfield(1, '{"f:data":{}}')))));
    assert.deepEqual(decodeProtobufObject(managed).object.metadata, {
      managedFields: [{ manager: 'kubectl', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': {} } }],
    });
  });

  test('list wrappers (ExtraValue) decode to plain arrays', () => {
    const review = k8sBody('authentication.k8s.io/v1', 'TokenReview',
      mfield(3, vfield(1, true), mfield(2, lfield(1, 'alice'), mapEntry(4, 'scopes', Buffer.alloc(0)), mfield(4, lfield(1, 'team'), mfield(2, lfield(1, 'a'), lfield(1, 'b'))))));
    assert.deepEqual(decodeProtobufObject(review).object.status, {
      authenticated: true,
      user: { username: 'alice', extra: { scopes: [], team: ['a', 'b'] } },
    });
  });

  test('apiextensions JSON and schema unions', () => {
    // JSONSchemaProps: type(5), default(8) JSON, items(24) OrArray, properties(29), additionalProperties(30) OrBool
    const props = Buffer.concat([
      lfield(5, 'object'),
      mfield(8, lfield(1, '{"x":1}')),
      mapEntry(29, 'list', Buffer.concat([lfield(5, 'array'), mfield(24, mfield(1, lfield(5, 'string')))])),
      mfield(30, vfield(1, false)),
    ]);
    const crd = k8sBody('apiextensions.k8s.io/v1', 'CustomResourceDefinition',
      mfield(2, lfield(1, 'example.com'), mfield(7, lfield(1, 'v1'), vfield(2, true), vfield(3, true), mfield(4, mfield(1, props)))));
    const spec = decodeProtobufObject(crd).object.spec as { versions: unknown[] };
    assert.deepEqual(spec.versions[0], {
      name: 'v1', served: true, storage: true,
      schema: { openAPIV3Schema: {
        type: 'object', default: { x: 1 },
        properties: { list: { type: 'array', items: { type: 'string' } } },
        additionalProperties: false,
      } },
    });
  });

  test('strings decode as UTF-8, short or long, ASCII or not', () => {
    const long = 'x'.repeat(100);
    const body = k8sBody('v1', 'ConfigMap', mapEntry(2, 'kéy', 'héllo ☃'), mapEntry(2, 'long', long), mapEntry(2, 'longé', `${long}é`));
    assert.deepEqual(decodeProtobufObject(body).object.data, { 'kéy': 'héllo ☃', long, 'longé': `${long}é` });
  });

  test('unknown fields of every wire type are skipped', () => {
    const unknown = Buffer.concat([vfield(90, 7), lfield(91, 'zzz'), Buffer.from([0xe5, 0x05, 1, 2, 3, 4]), Buffer.from([0xe1, 0x05, 1, 2, 3, 4, 5, 6, 7, 8])]);
    const body = k8sBody('v1', 'ConfigMap', unknown, mapEntry(2, 'a', 'b'));
    assert.deepEqual(decodeProtobufObject(body).object, { kind: 'ConfigMap', apiVersion: 'v1', data: { a: 'b' } });
  });
});

describe('decodeProtobufObject rejects malformed input', () => {
  const good = k8sBody('v1', 'ConfigMap', mapEntry(2, 'a', 'b'));
  const cases: Record<string, Buffer> = {
    'no magic': Buffer.from('{"kind":"ConfigMap"}'),
    'empty body': Buffer.alloc(0),
    'truncated': good.subarray(0, good.length - 2),
    'unknown kind': k8sBody('v1', 'Gadget'),
    'unknown group': k8sBody('gadgets.example.com/v1', 'Gadget'),
    'no type meta': Buffer.concat([Buffer.from([0x6b, 0x38, 0x73, 0]), mfield(2)]),
    'wrong wire type': k8sBody('v1', 'ConfigMap', vfield(2, 1)),
    'compressed': Buffer.concat([good, lfield(3, 'gzip')]),
    'bad raw JSON': k8sBody('apps/v1', 'ControllerRevision', mfield(2, lfield(1, '{nope'))),
    'overlong varint': Buffer.concat([k8sBody('v1', 'Pod'), Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])]),
  };
  for (const [name, body] of Object.entries(cases)) {
    test(name, () => assert.throws(() => decodeProtobufObject(body), Error));
  }
});

describe('isKubernetesProtobuf', () => {
  test('matches the media type with or without parameters, case-insensitively', () => {
    assert.equal(isKubernetesProtobuf('application/vnd.kubernetes.protobuf'), true);
    assert.equal(isKubernetesProtobuf('Application/VND.Kubernetes.Protobuf; charset=binary'), true);
    assert.equal(isKubernetesProtobuf('application/json'), false);
    assert.equal(isKubernetesProtobuf('application/vnd.kubernetes.protobuf+json'), false);
    assert.equal(isKubernetesProtobuf(''), false);
  });
});
