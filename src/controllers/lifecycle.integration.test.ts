/**
 * The garbage collector and the namespace controller against a real `skiff server`, driven by the
 * real kubectl: namespace deletion completes once its content is gone, and deleting an owner
 * deletes its dependents (background and foreground).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { RestClient } from '../client/rest-client.ts';
import { runControllers } from '../machinery/controller.ts';
import { FakeRecorder } from '../machinery/event-recorder.ts';
import { SharedInformerFactory } from '../machinery/informer-factory.ts';
import { TestCluster } from '../../test/e2e/harness.ts';
import { garbageCollectorController } from './garbage-collector.ts';
import { namespaceController } from './namespace.ts';

async function until(check: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(200);
  }
}

/**
 * Runs kubectl without blocking this process's event loop (the controllers under test run in it),
 * failing with its output when it exits non-zero.
 */
async function kubectlAsync(cluster: TestCluster, args: string[]): Promise<string> {
  const child = cluster.spawnKubectl(args);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const code = await new Promise<number | null>((res) => child.once('exit', res));
  if (code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${code}):\n${out}`);
  return out;
}

function configMap(name: string, owner?: { name: string; uid: string; block?: boolean }): string {
  const refs = owner ? `  ownerReferences:\n  - apiVersion: v1\n    kind: ConfigMap\n    name: ${owner.name}\n    uid: ${owner.uid}\n${owner.block ? '    blockOwnerDeletion: true\n' : ''}` : '';
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: default\n${refs}data:\n  k: v\n`;
}

describe('lifecycle controllers against a real server', { timeout: 120_000 }, () => {
  let cluster: TestCluster;
  let client: RestClient;
  let factory: SharedInformerFactory;
  const stop = new AbortController();
  let running: Promise<void>;

  before(async () => {
    cluster = await TestCluster.start('sqlite', ['--disable-controller-manager']);
    client = RestClient.fromKubeconfig(cluster.kubeconfig);
    factory = new SharedInformerFactory(client);
    running = runControllers([garbageCollectorController(), namespaceController()], { factory, recorder: new FakeRecorder() }, stop.signal);
    await factory.waitForCacheSync();
  });

  after(async () => {
    stop.abort();
    await running;
    await factory.shutdown();
    client.close();
    await cluster.stop();
  });

  test('kubectl delete namespace with configmaps inside completes', async () => {
    cluster.ok(['create', 'namespace', 'doomed']);
    cluster.ok(['create', 'configmap', 'one', '-n', 'doomed', '--from-literal=a=b']);
    cluster.ok(['create', 'configmap', 'two', '-n', 'doomed', '--from-literal=a=b']);
    // kubectl waits for the namespace to be gone.
    await kubectlAsync(cluster, ['delete', 'namespace', 'doomed', '--timeout=60s']);
    const r = cluster.kubectl(['get', 'namespace', 'doomed']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /NotFound|not found/);
    assert.equal(cluster.kubectl(['get', 'configmap', 'one', '-n', 'doomed']).code, 1);
  });

  test('deleting a ConfigMap owner deletes its dependent ConfigMaps', async () => {
    cluster.ok(['apply', '-f', '-'], configMap('owner'));
    const uid = cluster.ok(['get', 'configmap', 'owner', '-o', 'jsonpath={.metadata.uid}']).trim();
    cluster.ok(['apply', '-f', '-'], configMap('dep-1', { name: 'owner', uid }) + '---\n' + configMap('dep-2', { name: 'owner', uid }));
    cluster.ok(['apply', '-f', '-'], configMap('bystander'));
    await delay(500);
    assert.equal(cluster.kubectl(['get', 'configmap', 'dep-1']).code, 0, 'a dependent with a live owner stays');
    cluster.ok(['delete', 'configmap', 'owner']);
    await until(() => cluster.kubectl(['get', 'configmap', 'dep-1']).code !== 0 && cluster.kubectl(['get', 'configmap', 'dep-2']).code !== 0, 'dependents to be collected');
    assert.equal(cluster.kubectl(['get', 'configmap', 'bystander']).code, 0);
  });

  test('foreground deletion waits for blocking dependents, orphan keeps them', async () => {
    cluster.ok(['apply', '-f', '-'], configMap('fg-owner'));
    const uid = cluster.ok(['get', 'configmap', 'fg-owner', '-o', 'jsonpath={.metadata.uid}']).trim();
    cluster.ok(['apply', '-f', '-'], configMap('fg-dep', { name: 'fg-owner', uid, block: true }));
    // --cascade=foreground: kubectl waits until the owner is gone, which needs the dependent gone first.
    await kubectlAsync(cluster, ['delete', 'configmap', 'fg-owner', '--cascade=foreground', '--timeout=60s']);
    assert.notEqual(cluster.kubectl(['get', 'configmap', 'fg-dep']).code, 0);

    cluster.ok(['apply', '-f', '-'], configMap('or-owner'));
    const orUid = cluster.ok(['get', 'configmap', 'or-owner', '-o', 'jsonpath={.metadata.uid}']).trim();
    cluster.ok(['apply', '-f', '-'], configMap('or-dep', { name: 'or-owner', uid: orUid }));
    await kubectlAsync(cluster, ['delete', 'configmap', 'or-owner', '--cascade=orphan', '--timeout=60s']);
    assert.equal(cluster.ok(['get', 'configmap', 'or-dep', '-o', 'jsonpath={.metadata.ownerReferences}']).trim(), '');
  });
});
