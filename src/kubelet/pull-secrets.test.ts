import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DockerKeyring, imageRepository, keyringFromSecrets, missingSecretsMessage, podPullCredentials, type PullSecret } from './pull-secrets.ts';
import type { KubeletPod } from './runtime-interface.ts';

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const dockerConfigJson = (auths: Record<string, unknown>): PullSecret => ({ type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64(JSON.stringify({ auths })) } });

function keyring(config: Record<string, { username?: string; password?: string }>): DockerKeyring {
  const k = new DockerKeyring();
  k.add(config);
  return k;
}

describe('imageRepository', () => {
  test('normalizes Docker Hub short names and strips tags and digests', () => {
    assert.equal(imageRepository('busybox'), 'docker.io/library/busybox');
    assert.equal(imageRepository('busybox:1.36'), 'docker.io/library/busybox');
    assert.equal(imageRepository('user/app:2'), 'docker.io/user/app');
    assert.equal(imageRepository('index.docker.io/user/app'), 'docker.io/user/app');
    assert.equal(imageRepository('127.0.0.1:5000/e2e/app:1'), '127.0.0.1:5000/e2e/app');
    assert.equal(imageRepository(`quay.io/x/y@sha256:${'a'.repeat(64)}`), 'quay.io/x/y');
    assert.equal(imageRepository('localhost/app:1'), 'localhost/app');
  });
});

describe('DockerKeyring (kubelet credentialprovider matching)', () => {
  const alice = { username: 'alice', password: 'a' };
  const bob = { username: 'bob', password: 'b' };

  test('matches the registry host, with or without scheme and /v1/ or /v2/ suffix', () => {
    for (const key of ['registry.example.com', 'https://registry.example.com', 'http://registry.example.com/v2/', 'registry.example.com/v1/']) {
      assert.deepEqual(keyring({ [key]: alice }).lookup('registry.example.com/team/app'), [alice], key);
    }
    assert.deepEqual(keyring({ 'registry.example.com': alice }).lookup('other.example.com/team/app'), []);
  });

  test('host:port must match the port exactly', () => {
    const k = keyring({ '127.0.0.1:5000': alice });
    assert.deepEqual(k.lookup('127.0.0.1:5000/e2e/app'), [alice]);
    assert.deepEqual(k.lookup('127.0.0.1:5001/e2e/app'), []);
    assert.deepEqual(k.lookup('127.0.0.1/e2e/app'), []);
  });

  test('a path in the key must prefix the image path; the more specific key comes first', () => {
    const k = keyring({ 'registry.example.com': alice, 'registry.example.com/team': bob });
    assert.deepEqual(k.lookup('registry.example.com/team/app'), [bob, alice]);
    assert.deepEqual(k.lookup('registry.example.com/other/app'), [alice]);
  });

  test('wildcards match one host label each, not more', () => {
    const k = keyring({ '*.example.com': alice });
    assert.deepEqual(k.lookup('registry.example.com/app'), [alice]);
    assert.deepEqual(k.lookup('a.b.example.com/app'), []);
    assert.deepEqual(k.lookup('example.com/app'), []);
    assert.deepEqual(keyring({ 'reg?.example.com': bob }).lookup('reg1.example.com/app'), [bob]);
  });

  test('Docker Hub images use docker.io keys, and fall back to index.docker.io credentials', () => {
    assert.deepEqual(keyring({ 'docker.io': alice }).lookup(imageRepository('busybox')), [alice]);
    assert.deepEqual(keyring({ 'https://index.docker.io/v1/': bob }).lookup(imageRepository('busybox')), [bob]);
    assert.deepEqual(keyring({ 'https://index.docker.io/v1/': bob }).lookup(imageRepository('user/app')), [bob]);
    assert.deepEqual(keyring({ 'https://index.docker.io/v1/': bob }).lookup('quay.io/user/app'), []);
  });
});

describe('keyringFromSecrets', () => {
  test('reads dockerconfigjson auths, decoding the auth field over username/password', () => {
    const k = keyringFromSecrets([dockerConfigJson({ 'reg.example.com': { auth: b64('carol:s3:cret'), username: 'ignored' } })]);
    assert.deepEqual(k.lookup('reg.example.com/app'), [{ username: 'carol', password: 's3:cret' }]);
  });

  test('reads the legacy dockercfg map; other secret types are ignored', () => {
    const cfg: PullSecret = { type: 'kubernetes.io/dockercfg', data: { '.dockercfg': b64(JSON.stringify({ 'reg.example.com': { username: 'dan', password: 'd' } })) } };
    const opaque: PullSecret = { type: 'Opaque', data: { '.dockerconfigjson': b64(JSON.stringify({ auths: { 'reg.example.com': { username: 'x', password: 'y' } } })) } };
    assert.deepEqual(keyringFromSecrets([cfg, opaque]).lookup('reg.example.com/app'), [{ username: 'dan', password: 'd' }]);
  });

  test('a malformed config or auth field throws (the pull fails with that error)', () => {
    assert.throws(() => keyringFromSecrets([{ type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64('{not json') } }]), SyntaxError);
    assert.throws(() => keyringFromSecrets([dockerConfigJson({ 'reg.example.com': { auth: b64('nocolon') } })]), /must be formatted as base64\(username:password\)/);
  });
});

describe('podPullCredentials', () => {
  const pod = (secrets: { name?: string }[]): KubeletPod => ({
    metadata: { name: 'p', namespace: 'team', uid: 'u' },
    spec: { containers: [{ name: 'c', image: 'reg.example.com/app:1' }], imagePullSecrets: secrets },
  });

  test('looks secrets up in the pod namespace, reports unreadable ones, skips empty names', async () => {
    const asked: string[] = [];
    const creds = await podPullCredentials(pod([{ name: 'good' }, { name: 'gone' }, { name: '' }, {}]), 'reg.example.com/app:1', async (ns, name) => {
      asked.push(`${ns}/${name}`);
      return name === 'good' ? dockerConfigJson({ 'reg.example.com': { username: 'u', password: 'p' } }) : undefined;
    });
    assert.deepEqual(asked, ['team/good', 'team/gone']);
    assert.deepEqual(creds, { auths: [{ username: 'u', password: 'p' }], missing: ['gone'] });
    assert.equal(missingSecretsMessage(creds.missing), 'Unable to retrieve some image pull secrets (gone); attempting to pull the image may not succeed.');
  });

  test('a pod without pull secrets pulls anonymously', async () => {
    assert.deepEqual(await podPullCredentials(pod([]), 'busybox', async () => assert.fail('no lookups')), { auths: [], missing: [] });
  });
});
