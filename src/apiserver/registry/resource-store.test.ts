import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../../api/errors.ts';
import type { KubeObject } from '../../api/object.ts';
import { findResource, storageKey, storagePrefix } from '../../api/registry.ts';
import type { WatchCallbacks, WatchEvent, WatchHandle } from '../../storage/interface.ts';
import { MemoryStorage } from '../../storage/memory/memory-storage.ts';
import { encodeStored } from '../stored-object.ts';
import { WatchCache } from '../watch-cache.ts';
import { ResourceStore, type WriteOptions } from './resource-store.ts';

/**
 * A store whose watch can be held back, so the watch cache lags it the way it lags writes made
 * through another API server sharing the store; it also counts requests for the current revision
 * (a round trip on etcd).
 */
class LaggingStorage extends MemoryStorage {
  revisionReads = 0;
  private held?: { callbacks: WatchCallbacks; events: WatchEvent[] }[];

  override async currentRevision(): Promise<number> {
    this.revisionReads++;
    return super.currentRevision();
  }

  override watch(prefix: string, afterRevision: number, callbacks: WatchCallbacks): WatchHandle {
    return super.watch(prefix, afterRevision, {
      onEvents: (events) => (this.held ? this.held.push({ callbacks, events }) : callbacks.onEvents(events)),
      onError: callbacks.onError,
    });
  }

  /** Stops delivering watch events (they queue, in order). */
  hold(): void {
    this.held ??= [];
  }

  /** Delivers the queued events in order after `ms`, and every later event at once. */
  releaseAfter(ms: number): void {
    setTimeout(() => {
      const held = this.held ?? [];
      this.held = undefined;
      for (const { callbacks, events } of held) callbacks.onEvents(events);
    }, ms);
  }
}

const info = findResource('', 'v1', 'configmaps')!;
const options: WriteOptions = { dryRun: false, fieldManager: 'test' };
const configMap = (name: string, v: string, resourceVersion?: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'd', ...(resourceVersion ? { resourceVersion } : {}) },
  data: { v },
});
const dataOf = (object: KubeObject) => (object.data as { v: string }).v;
/** A mutation as patch handlers make it: no resourceVersion precondition of its own. */
const appendMine = (current: KubeObject | undefined): KubeObject => ({ ...current!, metadata: { ...current!.metadata, resourceVersion: undefined }, data: { v: `${dataOf(current!)}+mine` } });

describe('ResourceStore writes from a cache that may lag the store', () => {
  let storage: LaggingStorage;
  let cache: WatchCache;
  let store: ResourceStore;
  const key = (name: string) => storageKey(info, 'd', name);
  /** A write through "another API server": straight to the store, bypassing this server's cache. */
  const foreignUpdate = async (name: string, v: string): Promise<number> => {
    const kv = (await storage.get(key(name)))!;
    const object = JSON.parse(kv.value) as KubeObject;
    return storage.update(key(name), encodeStored({ ...object, data: { v } }), kv.modRevision);
  };

  beforeEach(async () => {
    storage = new LaggingStorage();
    cache = new WatchCache(storage, [storagePrefix(info)]);
    await cache.start();
    store = new ResourceStore(info, storage, cache);
    storage.revisionReads = 0;
  });
  afterEach(async () => {
    cache.stop();
    await storage.close();
  });

  test('create, update and delete on a current cache never ask the store for its revision (one round trip each on etcd)', async () => {
    const created = await store.create('d', configMap('a', '1'), options);
    const updated = await store.replace('d', 'a', configMap('a', '2', created.object.metadata.resourceVersion), options);
    assert.equal(dataOf(updated.object), '2');
    const unconditional = await store.replace('d', 'a', configMap('a', '3'), options);
    assert.equal(dataOf(unconditional.object), '3');
    const deleted = await store.delete('d', 'a', { dryRun: false });
    assert.equal(deleted.deleted, true);
    assert.equal(storage.revisionReads, 0);
    assert.equal(await storage.get(key('a')), undefined);
  });

  test('a PUT with a resourceVersion newer than the cache succeeds once the cache catches up', async () => {
    await store.create('d', configMap('a', '1'), options);
    storage.hold();
    const foreign = await foreignUpdate('a', 'foreign');
    storage.releaseAfter(20);
    const result = await store.replace('d', 'a', configMap('a', 'mine', String(foreign)), options);
    assert.equal(dataOf(result.object), 'mine');
    assert.ok(Number(result.object.metadata.resourceVersion) > foreign);
    assert.equal(dataOf(JSON.parse((await storage.get(key('a')))!.value)), 'mine');
  });

  test('a PUT with the resourceVersion the stale cache holds is still 409 Conflict, and writes nothing', async () => {
    const created = await store.create('d', configMap('a', '1'), options);
    storage.hold();
    const foreign = await foreignUpdate('a', 'foreign');
    storage.releaseAfter(20);
    await assert.rejects(store.replace('d', 'a', configMap('a', 'mine', created.object.metadata.resourceVersion), options), (err: unknown) => err instanceof StatusError && err.code === 409);
    const stored = (await storage.get(key('a')))!;
    assert.equal(stored.modRevision, foreign);
    assert.equal(dataOf(JSON.parse(stored.value)), 'foreign');
  });

  test('an unconditional update computed from a stale object is retried, not lost', async () => {
    await store.create('d', configMap('a', '1'), options);
    storage.hold();
    const foreign = await foreignUpdate('a', 'foreign');
    storage.releaseAfter(20);
    const result = await store.update('d', 'a', appendMine, options);
    assert.equal(dataOf(result.object), 'foreign+mine', 'the mutation ran again on the object the other server wrote');
    assert.ok(Number(result.object.metadata.resourceVersion) > foreign);
  });

  test('an update the stale cache sees as a no-op is written once the cache shows the object moved', async () => {
    await store.create('d', configMap('a', '1'), options);
    storage.hold();
    const foreign = await foreignUpdate('a', 'foreign');
    storage.releaseAfter(20);
    // Same data as the cached object: without a check against the store this would be answered as
    // "unchanged" with the old object, and the client's value would silently not be stored.
    const result = await store.replace('d', 'a', configMap('a', '1'), options);
    assert.equal(result.unchanged, undefined);
    assert.ok(Number(result.object.metadata.resourceVersion) > foreign);
    assert.equal(dataOf(JSON.parse((await storage.get(key('a')))!.value)), '1');
  });

  test('an object the cache has not seen yet is found (update and delete), a missing one is 404 after a sync', async () => {
    storage.hold();
    const object = { ...configMap('b', 'foreign'), metadata: { name: 'b', namespace: 'd', uid: 'u-1', creationTimestamp: '2026-01-01T00:00:00Z' } };
    await storage.create(key('b'), encodeStored(object));
    await storage.create(key('c'), encodeStored({ ...object, metadata: { ...object.metadata, name: 'c' } }));
    storage.releaseAfter(20);
    const updated = await store.update('d', 'b', appendMine, options);
    assert.equal(dataOf(updated.object), 'foreign+mine');
    const deleted = await store.delete('d', 'c', { dryRun: false });
    assert.equal(deleted.deleted, true);
    await assert.rejects(store.replace('d', 'nope', configMap('nope', '1'), options), (err: unknown) => err instanceof StatusError && err.code === 404);
    await assert.rejects(store.delete('d', 'nope', { dryRun: false }), (err: unknown) => err instanceof StatusError && err.code === 404);
  });

  test('a delete precondition refused by the stale cache is checked again against the store', async () => {
    await store.create('d', configMap('a', '1'), options);
    storage.hold();
    const foreign = await foreignUpdate('a', 'foreign');
    storage.releaseAfter(20);
    const result = await store.delete('d', 'a', { dryRun: false, preconditions: { resourceVersion: String(foreign) } });
    assert.equal(result.deleted, true);
    assert.equal(await storage.get(key('a')), undefined);
  });
});
