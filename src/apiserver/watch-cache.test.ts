import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStorage } from '../storage/memory/memory-storage.ts';
import { WatchCache, type CacheEvent } from './watch-cache.ts';

const PREFIX = '/registry/core/configmaps/';
const cm = (name: string, v: string) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'd' }, data: { v } });

test('loads existing objects, follows writes, and replays history from a revision', async () => {
  const storage = new MemoryStorage();
  const first = await storage.create(`${PREFIX}d/a`, cm('a', '1'));
  const cache = new WatchCache(storage, [PREFIX, '/registry/core/pods/']);
  await cache.start();
  const resource = cache.resource(PREFIX);
  assert.equal(resource.objects.get(`${PREFIX}d/a`)?.object.metadata.resourceVersion, String(first));

  const seen: CacheEvent[] = [];
  resource.subscribe((e) => seen.push(e));
  const second = await storage.update(`${PREFIX}d/a`, cm('a', '2'), first);
  const third = await storage.create(`${PREFIX}d/b`, cm('b', '1'));
  const { revision: fourth } = await storage.delete(`${PREFIX}d/a`);
  await cache.waitFor(fourth);
  assert.deepEqual(seen.map((e) => [e.type, e.revision]), [['MODIFIED', second], ['ADDED', third], ['DELETED', fourth]]);
  // The deleted object is reported in its last state, stamped with the deletion's revision.
  assert.equal((seen[2].current.object.data as { v: string }).v, '2');
  assert.equal(seen[2].current.object.metadata.resourceVersion, String(fourth));
  assert.deepEqual(resource.eventsSince(second)!.map((e) => e.revision), [third, fourth]);
  assert.equal(resource.eventsSince(first - 1), undefined, 'revisions before the window are gone (410)');
  assert.deepEqual([...resource.objects.keys()], [`${PREFIX}d/b`]);
  // Cached objects are frozen so that no handler can mutate shared state.
  assert.throws(() => {
    (resource.objects.get(`${PREFIX}d/b`)!.object.metadata as { name: string }).name = 'x';
  });
  cache.stop();
  await storage.close();
});

test('sorted() lists in key order through creates, updates and deletes, narrowed by key prefix', async () => {
  const storage = new MemoryStorage();
  const cm2 = (ns: string, name: string, v: string) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data: { v } });
  await storage.create(`${PREFIX}d/m`, cm2('d', 'm', '1'));
  await storage.create(`${PREFIX}b/z`, cm2('b', 'z', '1'));
  const cache = new WatchCache(storage, [PREFIX]);
  await cache.start();
  const resource = cache.resource(PREFIX);
  const keys = (prefix?: string) => resource.sorted(prefix).map((e) => e.key.slice(PREFIX.length));
  assert.deepEqual(keys(), ['b/z', 'd/m']);
  // After the first list the key order is maintained incrementally: it must stay exact.
  const revA = await storage.create(`${PREFIX}d/a`, cm2('d', 'a', '1'));
  await storage.create(`${PREFIX}dd/a`, cm2('dd', 'a', '1'));
  await storage.create(`${PREFIX}c/q`, cm2('c', 'q', '1'));
  await storage.update(`${PREFIX}d/a`, cm2('d', 'a', '2'), revA);
  const { revision } = await storage.delete(`${PREFIX}b/z`);
  await cache.waitFor(revision);
  assert.deepEqual(keys(), ['c/q', 'd/a', 'd/m', 'dd/a']);
  // A namespace prefix must not take in a longer namespace that shares its start (`d/` vs `dd/`).
  assert.deepEqual(keys(`${PREFIX}d/`), ['d/a', 'd/m']);
  assert.deepEqual(keys(`${PREFIX}b/`), []);
  assert.deepEqual(keys(`${PREFIX}zz/`), []);
  // The updated object is the current one, and its cached bytes are its JSON.
  const updated = resource.sorted(`${PREFIX}d/`)[0];
  assert.equal((updated.object.data as { v: string }).v, '2');
  assert.equal(updated.bytes.toString('utf8'), updated.json);
  assert.deepEqual(JSON.parse(updated.json), updated.object);
  cache.stop();
  await storage.close();
});

test('sorted() stays exact when keys are deleted, created again and updated between lists', async () => {
  const storage = new MemoryStorage();
  const cm2 = (ns: string, name: string, v: string) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data: { v } });
  for (const name of ['b', 'd', 'f']) await storage.create(`${PREFIX}n/${name}`, cm2('n', name, '1'));
  const cache = new WatchCache(storage, [PREFIX]);
  await cache.start();
  const resource = cache.resource(PREFIX);
  const listed = () => resource.sorted().map((e) => `${e.key.slice(PREFIX.length)}=${(e.object.data as { v: string }).v}`);
  assert.deepEqual(listed(), ['n/b=1', 'n/d=1', 'n/f=1']);
  // A listed key deleted and created again; a new key created, updated, deleted; another created and updated.
  await storage.delete(`${PREFIX}n/d`);
  let rev = await storage.create(`${PREFIX}n/d`, cm2('n', 'd', '2'));
  rev = await storage.update(`${PREFIX}n/d`, cm2('n', 'd', '3'), rev);
  const c = await storage.create(`${PREFIX}n/c`, cm2('n', 'c', '1'));
  await storage.update(`${PREFIX}n/c`, cm2('n', 'c', '2'), c);
  await storage.delete(`${PREFIX}n/c`);
  const a = await storage.create(`${PREFIX}n/a`, cm2('n', 'a', '1'));
  await storage.update(`${PREFIX}n/a`, cm2('n', 'a', '2'), a);
  const g = await storage.create(`${PREFIX}n/g`, cm2('n', 'g', '1'));
  const { revision } = await storage.delete(`${PREFIX}n/f`);
  await cache.waitFor(Math.max(rev, g, revision));
  assert.deepEqual(listed(), ['n/a=2', 'n/b=1', 'n/d=3', 'n/g=1']);
  // And again after the merge: an update of a merged key, a deletion of the first key.
  await storage.update(`${PREFIX}n/g`, cm2('n', 'g', '2'), g);
  const last = await storage.delete(`${PREFIX}n/a`);
  await cache.waitFor(last.revision);
  assert.deepEqual(listed(), ['n/b=1', 'n/d=3', 'n/g=2']);
  assert.deepEqual(resource.sorted(`${PREFIX}n/`).length, 3);
  cache.stop();
  await storage.close();
});

test('keeps every event of the last 75 s (beyond 2,000) for watches that resume, as the Kubernetes watch cache does', async () => {
  const storage = new MemoryStorage();
  const first = await storage.create(`${PREFIX}d/hot`, cm('hot', '0'));
  const cache = new WatchCache(storage, [PREFIX]);
  await cache.start();
  let rev = first;
  for (let i = 1; i <= 3000; i++) rev = await storage.update(`${PREFIX}d/hot`, cm('hot', String(i)), rev);
  await cache.waitFor(rev);
  const since = cache.resource(PREFIX).eventsSince(first);
  assert.ok(since, 'a watch from before the last 2,000 events still resumes while they are fresh');
  assert.equal(since!.length, 3000);
  cache.stop();
  await storage.close();
});
