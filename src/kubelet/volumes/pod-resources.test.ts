import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findResource } from '../../api/registry.ts';
import { ensurePki, type Pki } from '../../apiserver/authn/pki.ts';
import { ensureServiceAccountKey } from '../../apiserver/authn/service-account-key.ts';
import { ApiServer } from '../../apiserver/server.ts';
import { RestClient } from '../../client/rest-client.ts';
import { MemoryStorage } from '../../storage/memory/memory-storage.ts';
import type { KubeletPod } from '../runtime-interface.ts';
import { apiObjectSource } from './api-source.ts';
import { mountsUnder, unmount } from './mounter.ts';
import { volumePodResources } from './pod-resources.ts';
import { VolumeManager } from './volume-manager.ts';

/**
 * Volumes and environment against a real API server: the objects come through the REST client,
 * the token through TokenRequest, and the token the volume holds authenticates.
 */
describe('volume and env pod resources over the API', () => {
  let dir: string;
  let pki: Pki;
  let server: ApiServer;
  let client: RestClient;
  let port: number;
  const pods = findResource('', 'v1', 'pods')!;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skiff-podres-'));
    pki = await ensurePki(join(dir, 'tls'), { hostnames: [], ips: [] });
    server = new ApiServer({ storage: new MemoryStorage(), pki, serviceAccountKey: ensureServiceAccountKey(join(dir, 'tls')) });
    port = await server.start(0, '127.0.0.1');
    client = new RestClient({ server: `https://127.0.0.1:${port}`, ca: pki.caCert, cert: pki.adminCert, key: pki.adminKey });
    const cm = findResource('', 'v1', 'configmaps')!;
    await client.create(findResource('', 'v1', 'serviceaccounts')!, { metadata: { name: 'default', namespace: 'default' } });
    await client.create(cm, { metadata: { name: 'kube-root-ca.crt', namespace: 'default' }, data: { 'ca.crt': pki.caCert } });
    await client.create(cm, { metadata: { name: 'settings', namespace: 'default' }, data: { color: 'blue' } });
  });
  after(async () => {
    client?.close();
    await server?.stop();
    for (const m of mountsUnder(dir)) await unmount(m);
    rmSync(dir, { recursive: true, force: true });
  });

  test('setUpVolumes, environment, then mounts: token that authenticates, env, /etc/hosts', async () => {
    const created = (await client.create(pods, {
      metadata: { name: 'web', namespace: 'default' },
      spec: { containers: [{ name: 'app', image: 'busybox', env: [{ name: 'COLOR', valueFrom: { configMapKeyRef: { name: 'settings', key: 'color' } } }, { name: 'SUB', value: 'logs' }], volumeMounts: [{ name: 'scratch', mountPath: '/logs', subPathExpr: '$(SUB)' }] }], volumes: [{ name: 'scratch', emptyDir: {} }] },
    })) as KubeletPod;
    const source = apiObjectSource(client);
    const volumes = new VolumeManager({ podsDir: join(dir, 'pods'), source, nodeName: 'node-1' });
    const resources = volumePodResources({ volumes, source, hostIPs: ['192.168.0.2'] });
    await resources.setUpVolumes(created);

    const access = created.spec.volumes as { name: string }[];
    const tokenDir = join(dir, 'pods', created.metadata.uid!, 'volumes', 'kubernetes.io~projected', access.find((v) => v.name.startsWith('kube-api-access-'))!.name);
    const token = readFileSync(join(tokenDir, 'token'), 'utf8');
    assert.equal(readFileSync(join(tokenDir, 'ca.crt'), 'utf8'), pki.caCert);
    assert.equal(readFileSync(join(tokenDir, 'namespace'), 'utf8'), 'default');
    const asPod = new RestClient({ server: `https://127.0.0.1:${port}`, ca: pki.caCert, token });
    try {
      const seen = await asPod.get(pods, 'default', 'web');
      assert.equal(seen.metadata.uid, created.metadata.uid, 'the mounted token authenticates');
    } finally {
      asPod.close();
    }

    const container = created.spec.containers[0];
    const env = await resources.environment(created, container, '10.42.0.5');
    const byKey = Object.fromEntries(env.map((e) => [e.key, e.value]));
    assert.equal(byKey.COLOR, 'blue');
    assert.equal(byKey.KUBERNETES_SERVICE_HOST, '10.43.0.1');
    const mounts = resources.mounts(created, container);
    assert.deepEqual(mounts.map((m) => m.containerPath), ['/logs', '/var/run/secrets/kubernetes.io/serviceaccount', '/etc/hosts', '/dev/termination-log']);
    assert.match(mounts[0].hostPath, /kubernetes\.io~empty-dir\/scratch\/logs$/);
    assert.equal(mounts[1].readonly, true);
    assert.match(readFileSync(mounts[2].hostPath, 'utf8'), /10\.42\.0\.5\tweb\n/);

    await volumes.tearDownPod(created.metadata.uid!);
    assert.deepEqual(mountsUnder(join(dir, 'pods')), []);
  });

  test('a missing ConfigMap is undefined, not an error; TokenRequest errors surface', async () => {
    const source = apiObjectSource(client);
    assert.equal(await source.getConfigMap('default', 'nope'), undefined);
    const ghost = { metadata: { name: 'ghost', namespace: 'default', uid: 'x' }, spec: { serviceAccountName: 'default', containers: [] } } as KubeletPod;
    await assert.rejects(source.requestServiceAccountToken(ghost, undefined, 3600), /pods "ghost" not found/);
  });
});
