import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { CoreV1Api, KubeConfig, makeInformer, type V1ConfigMap } from '@kubernetes/client-node';
import { TestCluster } from './harness.ts';

// The official JavaScript client's informer (list, then watch with its own reconnect logic) must
// work unchanged against skiff, as it does against Kubernetes.
let cluster: TestCluster;
before(async () => {
  cluster = await TestCluster.start('sqlite');
});
after(async () => {
  await cluster?.stop();
});

async function until(check: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(20);
  }
}

test('@kubernetes/client-node makeInformer sees ConfigMap adds, updates and deletes', { timeout: 60_000 }, async () => {
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
  const api = kc.makeApiClient(CoreV1Api);
  await api.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'before' }, data: { v: '0' } } });

  const informer = makeInformer<V1ConfigMap>(kc, '/api/v1/namespaces/default/configmaps', () => api.listNamespacedConfigMap({ namespace: 'default' }));
  const seen: string[] = [];
  const errors: unknown[] = [];
  informer.on('add', (cm) => seen.push(`add ${cm.metadata?.name}`));
  informer.on('update', (cm) => seen.push(`update ${cm.metadata?.name} ${cm.data?.v}`));
  informer.on('delete', (cm) => seen.push(`delete ${cm.metadata?.name}`));
  informer.on('error', (err) => errors.push(err));
  // client-node (HTTP/1.1 through node-fetch) waits for the watch's response headers, which
  // Kubernetes flushes at once, before any event.
  const giveUp = new AbortController();
  await Promise.race([
    informer.start(),
    delay(15_000, undefined, { signal: giveUp.signal }).then(() => Promise.reject(new Error('informer.start() did not resolve: watch response headers not flushed'))),
  ]).finally(() => giveUp.abort());
  try {
    await until(() => seen.includes('add before'), 'initial list');
    await api.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'cm1' }, data: { v: '1' } } });
    await until(() => seen.includes('add cm1'), 'add');
    await api.replaceNamespacedConfigMap({ namespace: 'default', name: 'cm1', body: { metadata: { name: 'cm1' }, data: { v: '2' } } });
    await until(() => seen.includes('update cm1 2'), 'update');
    await api.deleteNamespacedConfigMap({ namespace: 'default', name: 'cm1' });
    await until(() => seen.includes('delete cm1'), 'delete');
    assert.equal(informer.get('cm1', 'default'), undefined);
    assert.equal(informer.get('before', 'default')?.data?.v, '0');
    assert.deepEqual(errors, []);
  } finally {
    await informer.stop();
  }
});
