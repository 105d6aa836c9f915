import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, TestCluster } from './harness.ts';

// Volumes and environment inside real containers (skiff server + embedded agent, containerd, runc,
// CNI). Needs root; only SKIFF_SKIP_CONTAINERD_TESTS=1 opts out. The containers copy what they see
// into a hostPath volume, which the test reads from the host.
const skip = process.env.SKIFF_SKIP_CONTAINERD_TESTS === '1';

describe('volumes and env in real containers', { skip }, () => {
  let cluster: TestCluster;
  let out: string;

  before(async () => {
    assert.equal(process.getuid?.(), 0, 'needs root (or set SKIFF_SKIP_CONTAINERD_TESTS=1)');
    out = mkdtempSync(join(tmpdir(), 'skiff-e2e-out-'));
    cluster = await TestCluster.start('sqlite', [], { bridge: 'skiffe2e1', clusterCIDR: '10.78.0.0/16' });
    await eventually('the node to be Ready', () => cluster.kubectl(['get', 'nodes', '-o', 'jsonpath={.items[0].status.conditions[?(@.type=="Ready")].status}']).stdout === 'True', 90_000);
    await eventually('the default service account', () => cluster.kubectl(['get', 'serviceaccount', 'default']).code === 0);
  });

  after(async () => {
    await cluster?.stop();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  test('ConfigMap and Secret volumes, a Secret env var, downward API, memory emptyDir and the service account token', async () => {
    cluster.ok(['create', 'configmap', 'settings', '--from-literal=color=blue']);
    cluster.ok(['create', 'secret', 'generic', 'creds', '--from-literal=password=s3cret']);
    const script = [
      'cp /etc/config/color /out/color',
      'cp /etc/creds/password /out/secret-file',
      'echo -n "$PASSWORD" > /out/password',
      'echo -n "$POD_NAME $KUBERNETES_SERVICE_HOST" > /out/env',
      'cp /etc/podinfo/labels /out/labels',
      'cp /var/run/secrets/kubernetes.io/serviceaccount/token /out/token',
      'cp /var/run/secrets/kubernetes.io/serviceaccount/namespace /out/namespace',
      'cp /etc/hosts /out/hosts',
      'grep " /scratch " /proc/mounts > /out/scratch-mount',
      '(touch /etc/config/x 2>/dev/null && echo writable || echo read-only) > /out/config-ro',
      'touch /out/done',
      'sleep 3600',
    ].join('; ');
    cluster.ok(['apply', '-f', '-'], JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'volumes', labels: { app: 'volumes' } },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [{
          name: 'main',
          image: 'busybox:1.36',
          command: ['sh', '-c', script],
          env: [
            { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
            { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          ],
          volumeMounts: [
            { name: 'config', mountPath: '/etc/config' },
            { name: 'creds', mountPath: '/etc/creds' },
            { name: 'podinfo', mountPath: '/etc/podinfo' },
            { name: 'scratch', mountPath: '/scratch' },
            { name: 'out', mountPath: '/out' },
          ],
        }],
        volumes: [
          { name: 'config', configMap: { name: 'settings' } },
          { name: 'creds', secret: { secretName: 'creds' } },
          { name: 'podinfo', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
          { name: 'scratch', emptyDir: { medium: 'Memory', sizeLimit: '8Mi' } },
          { name: 'out', hostPath: { path: out, type: 'Directory' } },
        ],
      },
    }));
    await eventually('the container to write its findings', () => existsSync(join(out, 'done')), 90_000);
    const read = (name: string) => readFileSync(join(out, name), 'utf8');
    assert.equal(read('color'), 'blue');
    assert.equal(read('secret-file'), 's3cret');
    assert.equal(read('password'), 's3cret');
    assert.equal(read('env'), 'volumes 10.43.0.1');
    assert.equal(read('labels'), 'app="volumes"');
    assert.equal(read('namespace'), 'default');
    assert.equal(read('config-ro'), 'read-only\n');
    assert.match(read('scratch-mount'), /^tmpfs \/scratch tmpfs .*size=8192k/);
    const pod = JSON.parse(cluster.ok(['get', 'pod', 'volumes', '-o', 'json']));
    assert.match(read('hosts'), new RegExp(`^# Kubernetes-managed hosts file\\.\\n[\\s\\S]*${pod.status.podIP.replaceAll('.', '\\.')}\\tvolumes\\n`));

    // The token the kubelet mounted authenticates as the pod's service account.
    const token = read('token');
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
    assert.equal(claims.sub, 'system:serviceaccount:default:default');
    assert.equal(claims['kubernetes.io'].pod.uid, pod.metadata.uid);

    // Deleting the pod unmounts its tmpfs volumes and removes its directory.
    const podDir = join(cluster.dataDir, 'agent', 'pods', pod.metadata.uid);
    assert.ok(existsSync(podDir));
    cluster.ok(['delete', 'pod', 'volumes', '--wait=true']);
    await eventually('the pod directory to go', () => !existsSync(podDir), 30_000);
    assert.ok(!readFileSync('/proc/self/mounts', 'utf8').includes(pod.metadata.uid), 'a volume mount of the pod is left');
  });
});
