import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { StatusError } from '../api/errors.ts';
import type { KubeObject } from '../api/object.ts';
import { findResource } from '../api/registry.ts';
import { FakeClient } from '../client/fake-client.ts';
import { RestClient } from '../client/rest-client.ts';
import { TestCluster } from '../../test/e2e/harness.ts';
import { SharedInformer } from './informer.ts';
import { SharedInformerFactory } from './informer-factory.ts';
import { LeaderElector, type Lease } from './leader-election.ts';
import { schedulerTransform, stripManagedFields } from './transforms.ts';

const CM = findResource('', 'v1', 'configmaps')!;
const LEASES = findResource('coordination.k8s.io', 'v1', 'leases')!;

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(20);
  }
}

function cm(name: string, data: Record<string, string> = {}, namespace = 'default'): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data };
}

/** Deletes `gone` and creates `c` while watches miss the events, then answers the next watch 410 and ends the open ones. */
async function loseEventsThenExpire(client: FakeClient): Promise<void> {
  // Events lost while disconnected, then the server says our resourceVersion is too old.
  client.dropWatchEvents = true;
  await client.delete(CM, 'default', 'gone');
  await client.create(CM, cm('c'));
  client.dropWatchEvents = false;
  let refused = false;
  client.reactor = (action) => {
    if (action.verb === 'watch' && !refused) {
      refused = true;
      throw new StatusError(410, 'Expired', 'too old resource version');
    }
  };
  client.closeWatches();
}

/** Records handler calls as `verb name` strings. */
function recordEvents(informer: SharedInformer): string[] {
  const seen: string[] = [];
  informer.addEventHandler({
    onAdd: (o) => seen.push(`add ${o.metadata.name}`),
    onUpdate: (o, n) => seen.push(`update ${n.metadata.name} ${(o.data as Record<string, string>)?.v ?? ''}->${(n.data as Record<string, string>)?.v ?? ''}`),
    onDelete: (o, unknown) => seen.push(`delete ${o.metadata.name}${unknown ? ' (final state unknown)' : ''}`),
  });
  return seen;
}

describe('SharedInformer against a fake client', () => {
  test('syncs, fires handlers, freezes objects, replays the cache to late handlers', async () => {
    const client = new FakeClient();
    client.seed(CM, cm('a'));
    const informer = new SharedInformer(client, CM, { pageSize: 1 });
    const seen = recordEvents(informer);
    informer.start();
    assert.equal(await informer.waitForSync(), true);
    assert.deepEqual(seen, ['add a']);
    assert.equal(informer.lister().get('default', 'a')?.kind, 'ConfigMap');
    assert.ok(Object.isFrozen(informer.lister().get('default', 'a')!.metadata));
    await client.create(CM, cm('b', { v: '1' }));
    const b = await client.get(CM, 'default', 'b');
    await client.update(CM, { ...b, data: { v: '2' } });
    await client.delete(CM, 'default', 'a');
    await until(() => seen.length === 4, 'watch events');
    assert.deepEqual(seen, ['add a', 'add b', 'update b 1->2', 'delete a']);
    const late: string[] = [];
    informer.addEventHandler({ onAdd: (o) => late.push(o.metadata.name!) });
    assert.deepEqual(late, ['b']);
    await informer.stop();
  });

  test('re-watches from the last resourceVersion when the watch ends, relists on 410', async () => {
    const client = new FakeClient();
    client.seed(CM, cm('a'), cm('gone'));
    const informer = new SharedInformer(client, CM);
    const seen = recordEvents(informer);
    informer.start();
    await informer.waitForSync();
    await until(() => client.actions.some((a) => a.verb === 'watch'), 'first watch');
    client.closeWatches();
    await until(() => client.actions.filter((a) => a.verb === 'watch').length === 2, 're-watch');
    assert.equal(client.actions.filter((a) => a.verb === 'list').length, 1, 'no relist for a watch that simply ended');
    await client.create(CM, cm('b'));
    await until(() => seen.includes('add b'), 'event on the new watch');

    await loseEventsThenExpire(client);
    await until(() => seen.includes('add c'), 'relist');
    assert.ok(seen.includes('delete gone (final state unknown)'));
    const lists = client.actions.filter((a) => a.verb === 'list');
    assert.equal(lists.length, 2);
    // The reflector's relistResourceVersion: "0" (any, from the watch cache) first, a consistent read after a 410.
    assert.deepEqual(lists.map((a) => a.list?.resourceVersion), ['0', undefined]);
    assert.deepEqual(informer.lister().list().map((o) => o.metadata.name).sort(), ['a', 'b', 'c']);
    await informer.stop();
  });

  test('watchList: fills and refills the cache from one watch with initial events, never lists', async () => {
    const client = new FakeClient();
    client.seed(CM, cm('a'), cm('gone'));
    const informer = new SharedInformer(client, CM, { watchList: true });
    const seen = recordEvents(informer);
    informer.start();
    assert.equal(await informer.waitForSync(), true);
    assert.deepEqual(seen.sort(), ['add a', 'add gone']);
    await client.create(CM, cm('b'));
    await until(() => seen.includes('add b'), 'a live event on the same stream');

    // The informer refills with a new watch-list (a consistent read) and reconciles.
    await loseEventsThenExpire(client);
    await until(() => seen.includes('add c'), 'refill');
    assert.ok(seen.includes('delete gone (final state unknown)'));
    assert.equal(client.actions.filter((a) => a.verb === 'list').length, 0);
    assert.deepEqual(informer.lister().list().map((o) => o.metadata.name).sort(), ['a', 'b', 'c']);
    await client.create(CM, cm('d'));
    await until(() => seen.includes('add d'), 'live events after the refill');
    assert.equal(seen.filter((e) => e === 'add a').length, 1, 'an unchanged object fires nothing on a refill');
    await informer.stop();
  });

  test('watchList: falls back to lists when the server refuses sendInitialEvents', async () => {
    const client = new FakeClient();
    client.seed(CM, cm('a'));
    let refusals = 0;
    client.reactor = (action) => {
      if (action.verb === 'watch' && refusals === 0) {
        refusals++;
        throw new StatusError(422, 'Invalid', 'sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled');
      }
    };
    const informer = new SharedInformer(client, CM, { watchList: true });
    informer.start();
    assert.equal(await informer.waitForSync(), true);
    assert.equal(client.actions.filter((a) => a.verb === 'list').length, 1);
    await informer.stop();
  });

  test('a large list reaches the handlers in batches, yielding to the event loop in between', async () => {
    const client = new FakeClient();
    client.seed(CM, ...Array.from({ length: 5000 }, (_, i) => cm(`m${i}`)));
    const informer = new SharedInformer(client, CM);
    let adds = 0;
    let addsAtFirstTimer = -1;
    informer.addEventHandler({ onAdd: () => adds++ });
    informer.start();
    // The fake client answers without I/O, so the first turn of the event loop is the informer's first yield.
    setImmediate(() => (addsAtFirstTimer = adds));
    await informer.waitForSync();
    assert.equal(adds, 5000);
    assert.ok(addsAtFirstTimer > 0 && addsAtFirstTimer < 5000, `the event loop ran after ${addsAtFirstTimer} of 5000 adds`);
    await informer.stop();
  });

  test('a transform shapes every cached object, listed or watched (managedFields stripped)', async () => {
    const client = new FakeClient();
    const withFields = (name: string): KubeObject => ({ ...cm(name), metadata: { name, namespace: 'default', managedFields: [{ manager: 'test', operation: 'Update' }] } });
    client.seed(CM, withFields('a'));
    const factory = new SharedInformerFactory(client, { transform: (obj, ref) => stripManagedFields({ ...obj, metadata: { ...obj.metadata, labels: { seenAs: ref.resource } } }) });
    const informer = factory.informerFor(CM);
    const added: KubeObject[] = [];
    informer.addEventHandler({ onAdd: (o) => added.push(o) });
    factory.start();
    await informer.waitForSync();
    await client.create(CM, withFields('b'));
    await until(() => added.length === 2, 'watched object');
    for (const obj of added) {
      assert.equal(obj.metadata.managedFields, undefined);
      assert.deepEqual(obj.metadata.labels, { seenAs: 'configmaps' });
      assert.ok(Object.isFrozen(obj.metadata));
    }
    assert.equal(informer.lister().get('default', 'b')?.metadata.managedFields, undefined);
    await factory.shutdown();
  });

  test('the scheduler transform drops pod container statuses but keeps phase and conditions', () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', managedFields: [] }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [{ name: 'c' }] } };
    const out = schedulerTransform(pod as KubeObject, findResource('', 'v1', 'pods')!) as typeof pod;
    assert.equal(out.metadata.managedFields, undefined);
    assert.deepEqual(out.status, { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] });
  });

  test('the factory shares one informer per resource', () => {
    const factory = new SharedInformerFactory(new FakeClient());
    assert.equal(factory.informerFor(CM), factory.informerFor({ ...CM }));
    assert.notEqual(factory.informerFor(CM), factory.informerFor(LEASES));
  });
});

describe('client and machinery against a real skiff server', () => {
  let cluster: TestCluster;
  let client: RestClient;
  before(async () => {
    cluster = await TestCluster.start('sqlite');
    client = RestClient.fromKubeconfig(cluster.kubeconfig, { userAgent: 'skiff-machinery-test/0.1.0' });
  });
  after(async () => {
    client?.close();
    await cluster?.stop();
  });

  test('CRUD, patch, 404 and 409 as StatusErrors', async () => {
    const created = await client.create(CM, cm('crud', { v: '1' }));
    assert.ok(Number(created.metadata.resourceVersion) > 0);
    assert.equal((await client.get(CM, 'default', 'crud')).metadata.uid, created.metadata.uid);
    await assert.rejects(client.create(CM, cm('crud')), (e: unknown) => e instanceof StatusError && e.code === 409 && e.reason === 'AlreadyExists');
    const updated = await client.update(CM, { ...created, data: { v: '2' } });
    assert.equal((updated.data as Record<string, string>).v, '2');
    await assert.rejects(client.update(CM, { ...created, data: { v: '3' } }), (e: unknown) => e instanceof StatusError && e.code === 409 && e.reason === 'Conflict');
    const merged = await client.patch(CM, 'default', 'crud', { data: { w: 'x' } }, { type: 'merge' });
    assert.deepEqual(merged.data, { v: '2', w: 'x' });
    const jsoned = await client.patch(CM, 'default', 'crud', [{ op: 'remove', path: '/data/w' }], { type: 'json' });
    assert.deepEqual(jsoned.data, { v: '2' });
    const list = await client.list(CM, { namespace: 'default' });
    assert.ok(list.items.some((i) => i.metadata.name === 'crud'));
    await client.delete(CM, 'default', 'crud');
    await assert.rejects(client.get(CM, 'default', 'crud'), (e: unknown) => e instanceof StatusError && e.code === 404 && e.reason === 'NotFound');
  });

  test('paginated lists carry continue tokens', async () => {
    for (const n of ['p1', 'p2', 'p3']) await client.create(CM, cm(n, {}, 'kube-public'));
    const page = await client.list(CM, { namespace: 'kube-public', limit: 2 });
    assert.equal(page.items.length, 2);
    assert.ok(page.metadata.continue);
    const rest = await client.list(CM, { namespace: 'kube-public', limit: 2, continue: page.metadata.continue });
    assert.ok(rest.items.length >= 1);
  });

  test('a list at resourceVersion 0 ignores the limit, as the watch cache does', async () => {
    for (const n of ['z1', 'z2', 'z3']) await client.create(CM, cm(n, {}, 'kube-node-lease'));
    const all = await client.list(CM, { namespace: 'kube-node-lease', limit: 1, resourceVersion: '0' });
    // Every ConfigMap of the namespace (the controller manager adds kube-root-ca.crt to it).
    assert.deepEqual(all.items.map((i) => i.metadata.name).filter((n) => n!.startsWith('z')).sort(), ['z1', 'z2', 'z3']);
    assert.ok(all.items.length >= 3);
    assert.equal(all.metadata.continue, undefined);
  });

  test('watch streams events and closes cleanly; an old resourceVersion is a 410', async () => {
    const start = await client.list(CM, { namespace: 'default' });
    const watch = await client.watch(CM, { namespace: 'default', resourceVersion: start.metadata.resourceVersion });
    const seen: string[] = [];
    const reading = (async () => {
      for await (const ev of watch) {
        // The controller manager may add kube-root-ca.crt to the namespace meanwhile.
        if (ev.object.metadata.name !== 'w1') continue;
        seen.push(`${ev.type} ${ev.object.metadata.name}`);
        if (seen.length === 3) break;
      }
    })();
    await client.create(CM, cm('w1'));
    await client.patch(CM, 'default', 'w1', { data: { a: 'b' } }, { type: 'merge' });
    await client.delete(CM, 'default', 'w1');
    await reading;
    assert.deepEqual(seen, ['ADDED w1', 'MODIFIED w1', 'DELETED w1']);
    assert.equal(watch.done, true);
  });

  test('the client connection has Go client receive windows (4 MiB per stream, 1 GiB per connection)', async () => {
    await client.list(CM, { namespace: 'default' });
    const session = (client as unknown as { session: import('node:http2').ClientHttp2Session }).session;
    assert.equal(session.localSettings.initialWindowSize, 4 * 1024 * 1024);
    assert.ok((session.state.localWindowSize ?? 0) >= 1000 * 1024 * 1024, `connection window ${session.state.localWindowSize}`);
  });

  test('a watch-list informer syncs from the server\'s initial events and then follows live events', async () => {
    await client.create(CM, cm('wl-before', { v: '1' }));
    // 1.5 MB of initial events: more than one of the server's write chunks (1 MiB).
    const big = 'x'.repeat(50_000);
    for (let i = 0; i < 30; i++) await client.create(CM, cm(`wl-big-${i}`, { big }));
    const informer = new SharedInformer(client, CM, { watchList: true, namespace: 'default' });
    const seen = recordEvents(informer);
    informer.start();
    assert.equal(await informer.waitForSync(), true);
    assert.ok(seen.includes('add wl-before'));
    const bigs = informer.lister().list().filter((o) => o.metadata.name?.startsWith('wl-big-'));
    assert.equal(bigs.length, 30);
    assert.ok(bigs.every((o) => (o.data as Record<string, string>).big === big));
    await client.patch(CM, 'default', 'wl-before', { data: { v: '2' } }, { type: 'merge' });
    await until(() => seen.includes('update wl-before 1->2'), 'update on the same stream');
    assert.ok(Number(informer.lastSyncResourceVersion()) > 0);
    await informer.stop();
    for (const o of [...bigs, informer.lister().get('default', 'wl-before')!]) await client.delete(CM, 'default', o.metadata.name!);
  });

  test('informer sees adds, updates and deletes, and survives a server restart', async () => {
    const factory = new SharedInformerFactory(client);
    const informer = factory.informerFor(CM);
    const seen = recordEvents(informer);
    factory.start();
    assert.equal(await factory.waitForCacheSync(), true);
    await client.create(CM, cm('inf', { v: '1' }));
    await client.patch(CM, 'default', 'inf', { data: { v: '2' } }, { type: 'merge' });
    await until(() => seen.includes('update inf 1->2'), 'update');
    await client.delete(CM, 'default', 'inf');
    await until(() => seen.includes('delete inf'), 'delete');

    await cluster.restart();
    await client.create(CM, cm('after-restart', { v: '1' }));
    await until(() => seen.includes('add after-restart'), 'add after restart', 20_000);
    assert.equal(informer.lister().get('default', 'inf'), undefined);
    await factory.shutdown();
  });

  test('leader election: one of two leads, the other takes over when it stops', async () => {
    const log: string[] = [];
    const make = (identity: string): LeaderElector =>
      new LeaderElector({
        client,
        name: 'machinery-test',
        identity,
        leaseDurationSeconds: 3,
        renewDeadlineMs: 2000,
        retryPeriodMs: 200,
        onStartedLeading: () => void log.push(`${identity} started`),
        onStoppedLeading: () => void log.push(`${identity} stopped`),
      });
    const a = make('a');
    const b = make('b');
    const stopA = new AbortController();
    const stopB = new AbortController();
    const runA = a.run(stopA.signal);
    await until(() => a.isLeader(), 'a leads');
    const runB = b.run(stopB.signal);
    await delay(600);
    assert.equal(b.isLeader(), false);
    const lease = await client.get<Lease>(LEASES, 'kube-system', 'machinery-test');
    assert.equal(lease.spec?.holderIdentity, 'a');
    assert.match(lease.spec!.acquireTime!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    stopA.abort();
    await runA;
    await until(() => b.isLeader(), 'b takes over');
    const taken = await client.get<Lease>(LEASES, 'kube-system', 'machinery-test');
    assert.equal(taken.spec?.holderIdentity, 'b');
    assert.equal(taken.spec?.leaseTransitions, 1);
    stopB.abort();
    await runB;
    assert.deepEqual(log, ['a started', 'a stopped', 'b started', 'b stopped']);
  });
});
