/**
 * The storage conformance suite: one set of behaviours, run against every backend (memory, SQLite,
 * etcd). Revisions are checked relative to the store's starting revision, since etcd starts at 1.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CompactedError,
  KeyExistsError,
  KeyNotFoundError,
  RevisionMismatchError,
  type Storage,
  type WatchEvent,
  type WatchHandle,
} from './interface.ts';
import { FutureRevisionError } from './future-revision-error.ts';
import { MemoryStorage } from './memory/memory-storage.ts';
import { SqliteStorage } from './sqlite/sqlite-storage.ts';
import { EtcdStorage } from './etcd/etcd-storage.ts';
import { startTestEtcd, type TestEtcd } from './test-etcd.ts';

/** How the suite gets a fresh, empty store for each test. */
export interface StorageHarness {
  setup?(): Promise<void>;
  teardown?(): Promise<void>;
  create(): Promise<Storage>;
}

interface Collector {
  events: WatchEvent[];
  batches: WatchEvent[][];
  error: Error | undefined;
  handle: WatchHandle;
  waitFor(count: number): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function collect(s: Storage, prefix: string, afterRevision: number): Collector {
  const c: Omit<Collector, 'handle'> & { handle?: WatchHandle } = {
    events: [],
    batches: [],
    error: undefined,
    async waitFor(count: number) {
      const deadline = Date.now() + 5000;
      while (c.events.length < count && !c.error && Date.now() < deadline) await sleep(5);
      assert.ok(c.events.length >= count, `expected ${count} events, got ${c.events.length} (${c.error})`);
    },
  };
  c.handle = s.watch(prefix, afterRevision, {
    onEvents: (events) => {
      c.batches.push(events);
      c.events.push(...events);
    },
    onError: (err) => {
      c.error = err;
    },
  });
  return c as Collector;
}

async function waitError(c: Collector): Promise<Error> {
  const deadline = Date.now() + 5000;
  while (!c.error && Date.now() < deadline) await sleep(5);
  assert.ok(c.error, 'expected the watch to fail');
  return c.error;
}

/** Registers the conformance suite for one backend. */
export function describeStorageConformance(name: string, harness: StorageHarness): void {
  describe(`storage conformance: ${name}`, () => {
    if (harness.setup) before(() => harness.setup!());
    if (harness.teardown) after(() => harness.teardown!());

    const it = (title: string, body: (s: Storage, r0: number) => Promise<void>) =>
      test(title, async () => {
        const s = await harness.create();
        try {
          await body(s, await s.currentRevision());
        } finally {
          await s.close();
        }
      });

    it('create and get, with KeyExistsError on an existing key', async (s, r0) => {
      assert.equal(await s.get('/k'), undefined);
      const rev = await s.create('/k', 'v1');
      assert.equal(rev, r0 + 1);
      assert.deepEqual(await s.get('/k'), { key: '/k', value: 'v1', createRevision: rev, modRevision: rev });
      await assert.rejects(s.create('/k', 'v2'), (e: unknown) => e instanceof KeyExistsError && e.key === '/k');
      assert.equal((await s.get('/k'))?.value, 'v1');
    });

    it('update checks the expected revision and keeps createRevision', async (s) => {
      const created = await s.create('/k', 'v1');
      const updated = await s.update('/k', 'v2', created);
      assert.equal(updated, created + 1);
      assert.deepEqual(await s.get('/k'), { key: '/k', value: 'v2', createRevision: created, modRevision: updated });
      await assert.rejects(s.update('/k', 'v3', created), (e: unknown) => {
        return e instanceof RevisionMismatchError && e.actual.modRevision === updated && e.actual.value === 'v2';
      });
      await assert.rejects(s.update('/missing', 'x', 0), KeyNotFoundError);
      await assert.rejects(s.update('/missing', 'x', updated), KeyNotFoundError);
      assert.equal(await s.get('/missing'), undefined);
    });

    it('delete returns the deleted value and checks the optional revision', async (s) => {
      await assert.rejects(s.delete('/k'), KeyNotFoundError);
      const created = await s.create('/k', 'v1');
      await assert.rejects(s.delete('/k', created + 100), RevisionMismatchError);
      const del = await s.delete('/k', created);
      assert.equal(del.revision, created + 1);
      assert.deepEqual(del.prev, { key: '/k', value: 'v1', createRevision: created, modRevision: created });
      assert.equal(await s.get('/k'), undefined);
      await assert.rejects(s.delete('/k'), KeyNotFoundError);
      const again = await s.create('/k', 'v2');
      assert.equal((await s.get('/k'))?.createRevision, again, 'a re-created key starts a new life');
      assert.equal((await s.delete('/k')).prev.value, 'v2');
    });

    it('currentRevision moves by exactly one per successful write', async (s, r0) => {
      await s.create('/a', '1');
      assert.equal(await s.currentRevision(), r0 + 1);
      await s.update('/a', '2', r0 + 1);
      assert.equal(await s.currentRevision(), r0 + 2);
      await assert.rejects(s.create('/a', 'x'));
      await assert.rejects(s.update('/a', 'x', r0 + 1));
      await assert.rejects(s.delete('/zzz'));
      assert.equal(await s.currentRevision(), r0 + 2, 'failed writes take no revision');
      await s.delete('/a');
      assert.equal(await s.currentRevision(), r0 + 3);
    });

    it('list honours prefix boundaries and byte order', async (s) => {
      for (const k of ['/a/2', '/ab', '/a', '/a/1', '/b/1', '/a/', '/a/1/x']) await s.create(k, k);
      const keys = async (prefix: string) => (await s.list(prefix)).items.map((kv) => kv.key);
      assert.deepEqual(await keys('/a/'), ['/a/', '/a/1', '/a/1/x', '/a/2']);
      assert.deepEqual(await keys('/a'), ['/a', '/a/', '/a/1', '/a/1/x', '/a/2', '/ab']);
      assert.deepEqual(await keys('/b/'), ['/b/1']);
      assert.deepEqual(await keys('/c/'), []);
      assert.equal((await keys('')).length, 7);
      // UTF-8 byte order (what etcd and SQLite use): U+FFFD sorts before an astral character.
      for (const k of ['/u/\u{1F600}', '/u/\uFFFD', '/u/z']) await s.create(k, 'x');
      assert.deepEqual(await keys('/u/'), ['/u/z', '/u/\uFFFD', '/u/\u{1F600}']);
      // Prefixes whose last character has no simple successor (no upper range bound in SQL).
      assert.deepEqual(await keys('/u/\uFFFD'), ['/u/\uFFFD']);
      assert.deepEqual(await keys('/u/\u{1F600}'), ['/u/\u{1F600}']);
      assert.deepEqual((await s.list('/u/\u{1F600}', { limit: 1 })).more, false);
      const res = await s.list('/a/');
      assert.equal(res.revision, await s.currentRevision());
      assert.equal(res.more, false);
      assert.deepEqual(res.items[0], { key: '/a/', value: '/a/', createRevision: res.items[0]!.createRevision, modRevision: res.items[0]!.createRevision });
    });

    it('list paginates with limit and startKey at a fixed revision', async (s) => {
      for (let i = 0; i < 10; i++) await s.create(`/p/${i}`, String(i));
      await s.create('/q', 'outside');
      const first = await s.list('/p/', { limit: 4 });
      assert.deepEqual(first.items.map((kv) => kv.value), ['0', '1', '2', '3']);
      assert.equal(first.more, true);
      await s.delete('/p/5'); // a later change must not leak into the pinned pages
      const seen = [...first.items];
      let page = first;
      while (page.more) {
        page = await s.list('/p/', { limit: 4, revision: first.revision, startKey: seen[seen.length - 1]!.key + '\0' });
        assert.equal(page.revision, first.revision);
        seen.push(...page.items);
      }
      assert.deepEqual(seen.map((kv) => kv.value), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
      const exact = await s.list('/p/', { limit: 9 });
      assert.equal(exact.more, false, 'nine live keys remain, limit nine: nothing more');
      const startInside = await s.list('/p/', { startKey: '/p/7' });
      assert.deepEqual(startInside.items.map((kv) => kv.key), ['/p/7', '/p/8', '/p/9']);
    });

    it('list at an old revision sees the state as of then', async (s, r0) => {
      await s.create('/a', '1'); // r0+1
      await s.update('/a', '2', r0 + 1); // r0+2
      await s.create('/b', '1'); // r0+3
      await s.delete('/a'); // r0+4
      const at = async (revision: number) => (await s.list('/', { revision })).items.map((kv) => `${kv.key}=${kv.value}@${kv.modRevision}`);
      assert.deepEqual(await at(r0 + 1), [`/a=1@${r0 + 1}`]);
      assert.deepEqual(await at(r0 + 2), [`/a=2@${r0 + 2}`]);
      assert.deepEqual(await at(r0 + 3), [`/a=2@${r0 + 2}`, `/b=1@${r0 + 3}`]);
      assert.deepEqual(await at(r0 + 4), [`/b=1@${r0 + 3}`]);
      assert.equal((await s.list('/', { revision: r0 + 2 })).revision, r0 + 2);
      await assert.rejects(s.list('/', { revision: r0 + 50 }), FutureRevisionError);
    });

    it('watch replays history after a revision, then streams live changes', async (s, r0) => {
      await s.create('/w/a', '1'); // r0+1
      await s.update('/w/a', '2', r0 + 1); // r0+2
      const w = collect(s, '/w/', r0);
      const fromMiddle = collect(s, '/w/', r0 + 1);
      await s.delete('/w/a', r0 + 2); // r0+3
      await s.create('/w/b', 'x'); // r0+4
      await w.waitFor(4);
      await fromMiddle.waitFor(3);
      assert.deepEqual(w.events, [
        { type: 'PUT', kv: { key: '/w/a', value: '1', createRevision: r0 + 1, modRevision: r0 + 1 } },
        {
          type: 'PUT',
          kv: { key: '/w/a', value: '2', createRevision: r0 + 1, modRevision: r0 + 2 },
          prevKv: { key: '/w/a', value: '1', createRevision: r0 + 1, modRevision: r0 + 1 },
        },
        {
          type: 'DELETE',
          kv: { key: '/w/a', value: '2', createRevision: r0 + 1, modRevision: r0 + 3 },
          prevKv: { key: '/w/a', value: '2', createRevision: r0 + 1, modRevision: r0 + 2 },
        },
        { type: 'PUT', kv: { key: '/w/b', value: 'x', createRevision: r0 + 4, modRevision: r0 + 4 } },
      ]);
      assert.deepEqual(fromMiddle.events.map((e) => e.kv.modRevision), [r0 + 2, r0 + 3, r0 + 4]);
      await sleep(50);
      assert.equal(w.events.length, 4, 'no duplicates');
      w.handle.cancel();
      fromMiddle.handle.cancel();
    });

    it('watch delivers only keys under its prefix', async (s, r0) => {
      const w = collect(s, '/a/', r0);
      for (const k of ['/ab', '/a', '/b/1', '/a/1', '/a/2/x']) await s.create(k, k);
      await w.waitFor(2);
      await sleep(50);
      assert.deepEqual(w.events.map((e) => e.kv.key), ['/a/1', '/a/2/x']);
      w.handle.cancel();
    });

    it('cancelled watches receive nothing more', async (s, r0) => {
      const w = collect(s, '/', r0);
      await s.create('/1', 'x');
      await w.waitFor(1);
      w.handle.cancel();
      w.handle.cancel(); // idempotent
      await s.create('/2', 'x');
      await sleep(100);
      assert.equal(w.events.length, 1);
      assert.equal(w.error, undefined);
    });

    it('a watch whose consumer throws ends with onError', async (s, r0) => {
      const boom = new Error('consumer failed');
      let calls = 0;
      let error: Error | undefined;
      s.watch('/', r0, {
        onEvents: () => {
          calls++;
          throw boom;
        },
        onError: (err) => {
          error = err;
        },
      });
      await s.create('/1', 'x');
      const deadline = Date.now() + 5000;
      while (!error && Date.now() < deadline) await sleep(5);
      await s.create('/2', 'x');
      await sleep(100);
      assert.equal(error, boom);
      assert.equal(calls, 1);
    });

    it('watch from the current revision is live-only, without gaps under concurrent writes', async (s, r0) => {
      const early = Array.from({ length: 50 }, (_, i) => s.create(`/c/${i}`, 'x'));
      const w = collect(s, '/c/', r0); // registered while the first writes are in flight
      const late = Array.from({ length: 50 }, (_, i) => s.create(`/c/late-${i}`, 'x'));
      await Promise.all([...early, ...late]);
      await w.waitFor(100);
      await sleep(50);
      const revs = w.events.map((e) => e.kv.modRevision);
      assert.deepEqual(revs, Array.from({ length: 100 }, (_, i) => r0 + 1 + i), 'every revision once, in order');
      for (const batch of w.batches) assert.ok(batch.length > 0);
      w.handle.cancel();
    });

    it('compaction drops old history but keeps current values', async (s, r0) => {
      await s.create('/k/a', '1'); // r0+1
      await s.update('/k/a', '2', r0 + 1); // r0+2
      await s.create('/k/b', '1'); // r0+3
      await s.delete('/k/b'); // r0+4
      await s.update('/k/a', '3', r0 + 2); // r0+5
      await s.create('/k/c', '1'); // r0+6
      assert.equal(await s.compactRevision(), 0);
      await s.compact(r0 + 4);
      assert.equal(await s.compactRevision(), r0 + 4);
      await assert.rejects(s.list('/k/', { revision: r0 + 3 }), (e: unknown) => {
        return e instanceof CompactedError && e.requested === r0 + 3 && e.compacted === r0 + 4;
      });
      assert.deepEqual((await s.list('/k/', { revision: r0 + 4 })).items.map((kv) => kv.value), ['2']);
      assert.deepEqual((await s.list('/k/')).items.map((kv) => kv.key), ['/k/a', '/k/c']);
      assert.deepEqual(await s.get('/k/a'), { key: '/k/a', value: '3', createRevision: r0 + 1, modRevision: r0 + 5 });

      const tooOld = collect(s, '/k/', r0 + 2);
      const justBefore = collect(s, '/k/', r0 + 3);
      assert.ok((await waitError(tooOld)) instanceof CompactedError);
      assert.ok((await waitError(justBefore)) instanceof CompactedError);
      assert.equal(tooOld.events.length, 0);

      const ok = collect(s, '/k/', r0 + 4);
      await ok.waitFor(2);
      assert.deepEqual(ok.events[0], {
        type: 'PUT',
        kv: { key: '/k/a', value: '3', createRevision: r0 + 1, modRevision: r0 + 5 },
        prevKv: { key: '/k/a', value: '2', createRevision: r0 + 1, modRevision: r0 + 2 },
      });
      assert.equal(ok.events[1]!.kv.key, '/k/c');
      ok.handle.cancel();

      await s.compact(r0 + 2); // older than the compact revision: nothing to do
      assert.equal(await s.compactRevision(), r0 + 4);
      await assert.rejects(s.compact(r0 + 100), FutureRevisionError);
      await s.compact(r0 + 6);
      assert.deepEqual((await s.list('/k/')).items.map((kv) => kv.value), ['3', '1']);
      assert.equal(await s.currentRevision(), r0 + 6, 'compaction takes no revision');
    });

    it('200 concurrent creates get 200 distinct, consecutive revisions', async (s, r0) => {
      const revs = await Promise.all(Array.from({ length: 200 }, (_, i) => s.create(`/n/${String(i).padStart(3, '0')}`, String(i))));
      assert.deepEqual([...revs].sort((a, b) => a - b), Array.from({ length: 200 }, (_, i) => r0 + 1 + i));
      const listed = await s.list('/n/');
      assert.equal(listed.items.length, 200);
      for (const kv of listed.items) assert.equal(kv.modRevision, revs[Number(kv.value)]);
      assert.equal(await s.currentRevision(), r0 + 200);
    });

    it('concurrent updates with the same expected revision: exactly one wins', async (s) => {
      const rev = await s.create('/race', '0');
      const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => s.update('/race', String(i + 1), rev)));
      const won = results.filter((r) => r.status === 'fulfilled');
      assert.equal(won.length, 1);
      for (const r of results) if (r.status === 'rejected') assert.ok(r.reason instanceof RevisionMismatchError);
      const winner = results.findIndex((r) => r.status === 'fulfilled');
      assert.equal((await s.get('/race'))?.value, String(winner + 1));
      // Mixed batch: a failing create does not stop the writes around it.
      const mixed = await Promise.allSettled([s.create('/m1', 'x'), s.create('/race', 'dup'), s.create('/m2', 'y')]);
      assert.deepEqual(mixed.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
      assert.equal((await s.get('/m2'))?.value, 'y');
    });
  });
}

describeStorageConformance('memory', { create: async () => new MemoryStorage() });

let sqliteDir = '';
let sqliteCount = 0;
describeStorageConformance('sqlite', {
  setup: async () => {
    sqliteDir = mkdtempSync(join(tmpdir(), 'skiff-sqlite-'));
  },
  teardown: async () => rmSync(sqliteDir, { recursive: true, force: true }),
  create: async () => SqliteStorage.open(join(sqliteDir, `db-${++sqliteCount}.sqlite`), { writer: 'thread' }),
});

let inlineDir = '';
let inlineCount = 0;
describeStorageConformance('sqlite, inline writer', {
  setup: async () => {
    inlineDir = mkdtempSync(join(tmpdir(), 'skiff-sqlite-inline-'));
  },
  teardown: async () => rmSync(inlineDir, { recursive: true, force: true }),
  create: async () => SqliteStorage.open(join(inlineDir, `db-${++inlineCount}.sqlite`), { writer: 'inline' }),
});

let etcd: TestEtcd | undefined;
let etcdCount = 0;
describeStorageConformance('etcd', {
  setup: async () => {
    etcd = await startTestEtcd();
  },
  teardown: async () => etcd?.stop(),
  // One etcd for the suite; a fresh key prefix gives each test an empty keyspace.
  create: async () => EtcdStorage.connect([etcd!.endpoint], `/t${String(++etcdCount).padStart(3, "0")}`),
});
