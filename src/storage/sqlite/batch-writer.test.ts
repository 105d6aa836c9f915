import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { BatchWriter } from './batch-writer.ts';
import type { WriterReply } from './writer-protocol.ts';

type OkBatch = Extract<WriterReply, { type: 'batch'; ok: true }>;

function rows(db: Database.Database): { id: number; name: string; deleted: number }[] {
  return db.prepare('SELECT id, name, deleted FROM kv ORDER BY id').all() as { id: number; name: string; deleted: number }[];
}

test('each write of a batch is checked against the writes before it in the same batch', () => {
  const db = new Database(':memory:');
  const w = new BatchWriter(db);
  const reply = w.applyBatch(1, [
    { op: 'create', key: '/a', value: '1' },
    { op: 'create', key: '/a', value: 'dup' },
    { op: 'update', key: '/a', value: '2', expectedRevision: 1 },
    { op: 'update', key: '/a', value: 'stale', expectedRevision: 1 },
    { op: 'delete', key: '/a', expectedRevision: 2 },
    { op: 'delete', key: '/a' },
    { op: 'create', key: '/a', value: 'again' },
  ]) as OkBatch;
  assert.equal(reply.ok, true);
  assert.equal(reply.revision, 4);
  assert.deepEqual(reply.results, [
    { ok: true, revision: 1, createRevision: 1 },
    { ok: false, error: 'exists' },
    { ok: true, revision: 2, createRevision: 1, prev: { key: '/a', value: '1', createRevision: 1, modRevision: 1 } },
    { ok: false, error: 'mismatch', actual: { key: '/a', value: '2', createRevision: 1, modRevision: 2 } },
    { ok: true, revision: 3, createRevision: 1, prev: { key: '/a', value: '2', createRevision: 1, modRevision: 2 } },
    { ok: false, error: 'notFound' },
    { ok: true, revision: 4, createRevision: 4 },
  ]);
  assert.deepEqual(rows(db).map((r) => `${r.id}${r.deleted ? '-' : '+'}`), ['1+', '2+', '3-', '4+']);

  // The next batch sees the first one.
  const next = w.applyBatch(2, [{ op: 'update', key: '/a', value: 'x', expectedRevision: 4 }]) as OkBatch;
  assert.deepEqual(next.results.map((r) => r.ok && r.revision), [5]);
  db.close();
});

test('a batch that fails as a whole rolls back and gives its revisions to the next batch', () => {
  const db = new Database(':memory:');
  const w = new BatchWriter(db);
  w.applyBatch(1, [{ op: 'create', key: '/a', value: '1' }]);
  const bad = undefined as unknown as string;
  assert.throws(() => w.applyBatch(2, [{ op: 'create', key: '/b', value: '1' }, { op: 'create', key: '/c', value: bad }]));
  assert.deepEqual(rows(db).map((r) => r.name), ['/a']);
  const next = w.applyBatch(3, [{ op: 'create', key: '/b', value: '1' }]) as OkBatch;
  assert.equal(next.revision, 2);
  db.close();
});

test('a new writer continues after the newest revision, even if compaction removed that row', () => {
  const db = new Database(':memory:');
  const w = new BatchWriter(db);
  w.applyBatch(1, [{ op: 'create', key: '/a', value: '1' }, { op: 'create', key: '/b', value: '1' }, { op: 'delete', key: '/b' }]);
  w.compactWindow(0, 3);
  assert.deepEqual(rows(db).map((r) => r.name), ['/a'], 'the tombstone at 3 is gone');
  const again = new BatchWriter(db);
  assert.equal(again.compactedDone, 3);
  assert.equal((again.applyBatch(1, [{ op: 'create', key: '/c', value: '1' }]) as OkBatch).revision, 4);
  db.close();
});
