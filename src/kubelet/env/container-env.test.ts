import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/object.ts';
import type { ContainerSpec, KubeletPod } from '../runtime-interface.ts';
import { ContainerConfigError, containerEnvironment, type EnvSource } from './container-env.ts';
import { expand, expandCommand, mappingFor } from './expansion.ts';

function obj(kind: string, namespace: string, name: string, rest: Record<string, unknown>): KubeObject {
  return { apiVersion: 'v1', kind, metadata: { namespace, name }, ...rest };
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

function source(objects: KubeObject[]): EnvSource {
  const find = (kind: string, ns: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.namespace === ns && o.metadata.name === name);
  return {
    getConfigMap: async (ns, name) => find('ConfigMap', ns, name),
    getSecret: async (ns, name) => find('Secret', ns, name),
    listServices: async (ns) => objects.filter((o) => o.kind === 'Service' && o.metadata.namespace === ns),
  };
}

function pod(container: ContainerSpec, extra: Record<string, unknown> = {}): KubeletPod {
  return {
    metadata: { name: 'web', namespace: 'shop', uid: 'uid-1', labels: { app: 'web', tier: 'front' }, annotations: { note: 'a "b"' } },
    spec: { nodeName: 'node-1', serviceAccountName: 'builder', containers: [container], ...extra },
  };
}

const kubernetesSvc = obj('Service', 'default', 'kubernetes', { spec: { clusterIP: '10.43.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP' }] } });
const cartSvc = obj('Service', 'shop', 'cart-api', { spec: { clusterIP: '10.43.0.20', ports: [{ port: 80 }, { name: 'metrics', port: 9090, protocol: 'TCP' }] } });
const headless = obj('Service', 'shop', 'db', { spec: { clusterIP: 'None', ports: [{ port: 5432 }] } });
const otherNs = obj('Service', 'other', 'elsewhere', { spec: { clusterIP: '10.43.0.30', ports: [{ port: 80 }] } });

const asMap = (env: { key: string; value: string }[]) => Object.fromEntries(env.map((e) => [e.key, e.value]));

test('expansion follows Kubernetes: $$ escapes, unknown and unterminated references stay', () => {
  const map = mappingFor(new Map([['A', 'x'], ['B', 'y']]));
  assert.equal(expand('$(A)-$(B)', map), 'x-y');
  assert.equal(expand('$$(A)', map), '$(A)');
  assert.equal(expand('$(MISSING)', map), '$(MISSING)');
  assert.equal(expand('$(A', map), '$(A');
  assert.equal(expand('$A $', map), '$A $');
  assert.equal(expand('a$$$(A)', map), 'a$x');
  assert.deepEqual(expandCommand(['echo', '$(A)'], [{ key: 'A', value: 'hi' }]), ['echo', 'hi']);
});

test('env values, references to earlier vars, fieldRef, resourceFieldRef, configMap and secret keys', async () => {
  const container: ContainerSpec = {
    name: 'app',
    resources: { limits: { memory: '128Mi' }, requests: { cpu: '250m', memory: '64Mi' } },
    env: [
      { name: 'GREETING', value: 'hello' },
      { name: 'MSG', value: '$(GREETING) $(POD) $(CART_API_SERVICE_HOST) $(LATER)' },
      { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'LATER', value: 'later' },
      { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
      { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
      { name: 'NOTE', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['note']" } } },
      { name: 'LABELS', valueFrom: { fieldRef: { fieldPath: 'metadata.labels' } } },
      { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
      { name: 'SA', valueFrom: { fieldRef: { fieldPath: 'spec.serviceAccountName' } } },
      { name: 'HOST_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
      { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'POD_IPS', valueFrom: { fieldRef: { fieldPath: 'status.podIPs' } } },
      { name: 'MEM_LIMIT_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
      { name: 'CPU_REQ_M', valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: '1m' } } },
      { name: 'CPU_REQ', valueFrom: { resourceFieldRef: { resource: 'requests.cpu' } } },
      { name: 'CPU_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
      { name: 'COLOR', valueFrom: { configMapKeyRef: { name: 'settings', key: 'color' } } },
      { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
      { name: 'OPT', valueFrom: { configMapKeyRef: { name: 'settings', key: 'absent', optional: true } } },
      { name: 'OPT2', valueFrom: { secretKeyRef: { name: 'no-such', key: 'x', optional: true } } },
    ],
  };
  const objects = [
    obj('ConfigMap', 'shop', 'settings', { data: { color: 'blue' } }),
    obj('Secret', 'shop', 'creds', { data: { password: b64('s3cret') } }),
    kubernetesSvc,
    cartSvc,
  ];
  const env = await containerEnvironment(pod(container), container, source(objects), { hostIPs: ['192.168.1.5'], podIPs: ['10.42.0.7', 'fd00::7'], nodeAllocatable: { cpu: '2', memory: '4Gi' } });
  const m = asMap(env);
  assert.equal(m.MSG, 'hello $(POD) 10.43.0.20 $(LATER)', 'only earlier vars and service vars expand');
  assert.equal(m.POD, 'web');
  assert.equal(m.NS, 'shop');
  assert.equal(m.UID, 'uid-1');
  assert.equal(m.APP, 'web');
  assert.equal(m.NOTE, 'a "b"');
  assert.equal(m.LABELS, 'app="web"\ntier="front"');
  assert.equal(m.NODE, 'node-1');
  assert.equal(m.SA, 'builder');
  assert.equal(m.HOST_IP, '192.168.1.5');
  assert.equal(m.POD_IP, '10.42.0.7');
  assert.equal(m.POD_IPS, '10.42.0.7,fd00::7');
  assert.equal(m.MEM_LIMIT_MI, '128');
  assert.equal(m.CPU_REQ_M, '250');
  assert.equal(m.CPU_REQ, '1', 'cpu rounds up to whole divisors');
  assert.equal(m.CPU_LIMIT, '2', 'an unset limit is the node allocatable');
  assert.equal(m.COLOR, 'blue');
  assert.equal(m.PASSWORD, 's3cret');
  assert.ok(!('OPT' in m) && !('OPT2' in m), 'optional missing references are skipped');
  // Container env comes first, then service variables.
  assert.equal(env[0].key, 'GREETING');
});

test('service variables: own namespace plus kubernetes from default; headless and other namespaces skipped', async () => {
  const container: ContainerSpec = { name: 'app', env: [{ name: 'CART_API_SERVICE_PORT', value: 'overridden' }] };
  const objects = [kubernetesSvc, cartSvc, headless, otherNs];
  const m = asMap(await containerEnvironment(pod(container), container, source(objects)));
  assert.equal(m.KUBERNETES_SERVICE_HOST, '10.43.0.1');
  assert.equal(m.KUBERNETES_SERVICE_PORT, '443');
  assert.equal(m.KUBERNETES_SERVICE_PORT_HTTPS, '443');
  assert.equal(m.KUBERNETES_PORT, 'tcp://10.43.0.1:443');
  assert.equal(m.KUBERNETES_PORT_443_TCP, 'tcp://10.43.0.1:443');
  assert.equal(m.KUBERNETES_PORT_443_TCP_PROTO, 'tcp');
  assert.equal(m.KUBERNETES_PORT_443_TCP_PORT, '443');
  assert.equal(m.KUBERNETES_PORT_443_TCP_ADDR, '10.43.0.1');
  assert.equal(m.CART_API_SERVICE_HOST, '10.43.0.20');
  assert.equal(m.CART_API_SERVICE_PORT, 'overridden', 'the container env wins over a service variable');
  assert.equal(m.CART_API_SERVICE_PORT_METRICS, '9090');
  assert.equal(m.CART_API_PORT, 'tcp://10.43.0.20:80');
  assert.equal(m.CART_API_PORT_9090_TCP_ADDR, '10.43.0.20');
  assert.ok(!('DB_SERVICE_HOST' in m));
  assert.ok(!('ELSEWHERE_SERVICE_HOST' in m));

  const noLinks = pod(container, { enableServiceLinks: false });
  const m2 = asMap(await containerEnvironment(noLinks, container, source(objects)));
  assert.equal(m2.KUBERNETES_SERVICE_HOST, '10.43.0.1', 'the API server service is always there');
  assert.ok(!('CART_API_SERVICE_HOST' in m2));
});

test('envFrom: prefix, later sources and env override, invalid keys skipped with the kubelet event', async () => {
  const container: ContainerSpec = {
    name: 'app',
    envFrom: [{ configMapRef: { name: 'settings' } }, { prefix: 'S_', secretRef: { name: 'creds' } }, { configMapRef: { name: 'gone', optional: true } }],
    env: [{ name: 'color', value: 'env-wins' }],
  };
  const objects = [obj('ConfigMap', 'shop', 'settings', { data: { color: 'blue', '1bad': 'x', 'also bad': 'y', 'dotted.key': 'ok' } }), obj('Secret', 'shop', 'creds', { data: { user: b64('admin') } })];
  const events: string[] = [];
  const env = await containerEnvironment(pod(container), container, source(objects), { onEvent: (type, reason, message) => events.push(`${type} ${reason} ${message}`) });
  const m = asMap(env);
  assert.equal(m.color, 'env-wins');
  assert.equal(m['dotted.key'], 'ok');
  assert.equal(m.S_user, 'admin');
  assert.ok(!('1bad' in m));
  assert.deepEqual(events, ['Warning InvalidEnvironmentVariableNames Keys [1bad, also bad] from the EnvFrom configMap shop/settings were skipped since they are considered invalid environment variable names.']);
});

test('missing references fail with the CreateContainerConfigError messages', async () => {
  const cases: [ContainerSpec, string][] = [
    [{ name: 'a', env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k' } } }] }, 'configmap "nope" not found'],
    [{ name: 'a', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'nope', key: 'k' } } }] }, 'secret "nope" not found'],
    [{ name: 'a', env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'settings', key: 'k' } } }] }, "couldn't find key k in ConfigMap shop/settings"],
    [{ name: 'a', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'creds', key: 'k' } } }] }, "couldn't find key k in Secret shop/creds"],
    [{ name: 'a', envFrom: [{ configMapRef: { name: 'nope' } }] }, 'configmap "nope" not found'],
    [{ name: 'a', envFrom: [{ secretRef: { name: 'nope' } }] }, 'secret "nope" not found'],
    [{ name: 'a', env: [{ name: 'X', valueFrom: { fieldRef: { fieldPath: 'spec.bogus' } } }] }, 'unsupported fieldPath: spec.bogus'],
    [{ name: 'a', env: [{ name: 'X', valueFrom: { resourceFieldRef: { resource: 'limits.gpu' } } }] }, 'unsupported container resource : limits.gpu'],
  ];
  const src = source([obj('ConfigMap', 'shop', 'settings', { data: {} }), obj('Secret', 'shop', 'creds', { data: {} })]);
  for (const [container, message] of cases) {
    await assert.rejects(containerEnvironment(pod(container), container, src), (err: Error) => {
      assert.ok(err instanceof ContainerConfigError);
      assert.equal(err.message, message);
      return true;
    });
  }
});
