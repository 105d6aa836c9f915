import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { WatchEvent } from '../interface.ts';
import { SqliteStorage } from './sqlite-storage.ts';

let dir = '';
let path = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'skiff-sqlite-'));
  path = join(dir, 'state.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function rowCount(): number {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM kv').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

test('opens in WAL mode with synchronous=FULL', async () => {
  const s = SqliteStorage.open(path);
  assert.deepEqual(s.durabilitySettings(), { journalMode: 'wal', synchronous: 2 });
  await s.close();
});

test('writes of one tick share one transaction', async () => {
  const s = SqliteStorage.open(path);
  const before = s.commitCount;
  const revs = await Promise.all(Array.from({ length: 100 }, (_, i) => s.create(`/g/${i}`, 'x')));
  assert.equal(s.commitCount - before, 1, 'one transaction (one fsync) for 100 concurrent creates');
  assert.equal(new Set(revs).size, 100);
  await s.create('/g/next', 'x');
  assert.equal(s.commitCount - before, 2);
  await s.close();
});

test('a batch that fails as a whole rejects every write in it and takes no revisions', async () => {
  const s = SqliteStorage.open(path);
  await s.create('/a', '1');
  const bad = undefined as unknown as string; // makes the INSERT itself fail inside the transaction
  const results = await Promise.allSettled([s.create('/b', '1'), s.create('/c', bad)]);
  assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
  assert.equal(await s.currentRevision(), 1);
  assert.equal(await s.get('/b'), undefined);
  assert.equal(await s.create('/b', '1'), 2, 'revisions continue without a hole');
  await s.close();
});

test('state, revisions and the compact revision survive a reopen', async () => {
  const s = SqliteStorage.open(path);
  await s.create('/a', '1'); // 1
  await s.update('/a', '2', 1); // 2
  await s.create('/b', '1'); // 3
  await s.delete('/b'); // 4: the newest row is a tombstone
  await s.compact(4); // ... and compaction removes it
  await s.close();

  const r = SqliteStorage.open(path);
  assert.equal(await r.currentRevision(), 4, 'the revision does not go back when the newest row was compacted');
  assert.equal(await r.compactRevision(), 4);
  assert.deepEqual(await r.get('/a'), { key: '/a', value: '2', createRevision: 1, modRevision: 2 });
  assert.equal(await r.get('/b'), undefined);
  assert.equal(await r.create('/c', 'x'), 5);
  const events: WatchEvent[] = [];
  r.watch('/', 4, { onEvents: (e) => events.push(...e) });
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(events.map((e) => e.kv.key), ['/c']);
  await r.close();
});

test('compaction over many windows keeps exactly one row per live key', async () => {
  const s = SqliteStorage.open(path);
  await s.create('/hot', '0');
  for (let i = 1; i < 2500; i += 50) {
    // 50 updates per tick, in order, each expecting the previous one's revision.
    await Promise.all(Array.from({ length: 50 }, (_, j) => s.update('/hot', String(i + j), i + j)));
  }
  await s.create('/gone', 'x');
  await s.delete('/gone');
  const current = await s.currentRevision();
  assert.equal(current, 2503);
  await s.compact(2400);
  assert.deepEqual((await s.list('/', { revision: 2400 })).items.map((kv) => kv.value), ['2399']);
  assert.equal(rowCount(), 1 + 103, 'the row current at 2400 plus the 103 newer rows');
  await s.compact(current);
  assert.equal(rowCount(), 1);
  assert.deepEqual(await s.get('/hot'), { key: '/hot', value: '2500', createRevision: 1, modRevision: 2501 });
  await s.close();
});
