import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { TestCluster } from './harness.ts';

const KUBECTL = process.env.SKIFF_KUBECTL ?? '/usr/bin/kubectl';

/** Service account tokens end to end: `kubectl create token`, then kubectl authenticating with only that token. */
describe('service account tokens with the real kubectl', () => {
  let c: TestCluster;
  before(async () => {
    c = await TestCluster.start('sqlite');
  });
  after(async () => {
    await c?.stop();
  });

  /** kubectl with no client certificate: the bearer token is its only credential. */
  const withToken = (token: string, args: string[]) => {
    const ca = join(c.dataDir, 'server', 'tls', 'ca.crt');
    const out = spawnSync(KUBECTL, ['--kubeconfig', '/dev/null', '--server', `https://127.0.0.1:${c.port}`, '--certificate-authority', ca, '--token', token, ...args], { encoding: 'utf8', timeout: 60_000 });
    return { code: out.status ?? -1, stdout: out.stdout ?? '', stderr: out.stderr ?? '' };
  };

  /** The service-account controller creates `default` shortly after start. */
  async function waitForDefaultAccount(): Promise<void> {
    for (let i = 0; i < 100; i++) {
      if (c.kubectl(['get', 'serviceaccount', 'default']).code === 0) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error('no default service account');
  }

  test('kubectl create token prints a JWT that authenticates as the service account', async () => {
    await waitForDefaultAccount();
    const token = c.ok(['create', 'token', 'default']).trim();
    assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
    assert.equal(claims.sub, 'system:serviceaccount:default:default');
    const listed = withToken(token, ['get', 'namespaces', '-o', 'name']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /namespace\/kube-system/);
    const bogus = withToken(`${token.slice(0, -3)}abc`, ['get', 'namespaces']);
    assert.notEqual(bogus.code, 0);
    assert.match(bogus.stderr, /Unauthorized/);
  });

  test('a token bound to a pod stops working when the pod is deleted; short durations are refused', () => {
    c.ok(['run', 'holder', '--image', 'busybox', '--restart', 'Never']);
    const token = c.ok(['create', 'token', 'default', '--bound-object-kind', 'Pod', '--bound-object-name', 'holder', '--duration', '15m']).trim();
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
    assert.equal(claims['kubernetes.io'].pod.name, 'holder');
    assert.equal(claims.exp - claims.iat, 900);
    assert.equal(withToken(token, ['get', 'pod', 'holder']).code, 0);
    c.ok(['delete', 'pod', 'holder', '--grace-period', '0', '--force']);
    const after = withToken(token, ['get', 'pods']);
    assert.notEqual(after.code, 0);
    assert.match(after.stderr, /Unauthorized/);
    const short = c.kubectl(['create', 'token', 'default', '--duration', '5m']);
    assert.notEqual(short.code, 0);
    assert.match(short.stderr, /may not specify a duration less than 10 minutes/);
  });

  test('created pods get the kube-api-access volume; the kube-root-ca.crt it projects exists', () => {
    c.ok(['run', 'mounted', '--image', 'busybox', '--restart', 'Never']);
    const pod = JSON.parse(c.ok(['get', 'pod', 'mounted', '-o', 'json']));
    const volume = pod.spec.volumes.find((v: { name: string }) => v.name.startsWith('kube-api-access-'));
    assert.ok(volume, JSON.stringify(pod.spec.volumes));
    assert.deepEqual(pod.spec.containers[0].volumeMounts, [{ name: volume.name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }]);
    assert.match(c.ok(['get', 'configmap', 'kube-root-ca.crt', '-o', 'jsonpath={.data.ca\\.crt}']), /BEGIN CERTIFICATE/);
  });
});
