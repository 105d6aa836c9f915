import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compactOnce, startCompactor } from './compactor.ts';
import { MemoryStorage } from './memory/memory-storage.ts';

async function seeded(writes: number): Promise<MemoryStorage> {
  const s = new MemoryStorage();
  await s.create('/k', '0');
  for (let i = 1; i < writes; i++) await s.update('/k', String(i), i);
  return s;
}

test('compactOnce keeps the newest revisions and skips when nothing is to drop', async () => {
  const s = await seeded(30);
  assert.equal(await compactOnce(s, 10), 20);
  assert.equal(await s.compactRevision(), 20);
  assert.equal(await compactOnce(s, 10), undefined, 'no new writes, no compaction');
  assert.equal(await compactOnce(s, 100), undefined, 'fewer revisions than kept');
  assert.equal((await s.get('/k'))?.value, '29');
});

test('startCompactor compacts periodically and stops', async () => {
  const s = await seeded(50);
  const c = startCompactor(s, { intervalMs: 10, keepRevisions: 5 });
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.equal(await s.compactRevision(), 45);
  c.stop();
  for (let i = 50; i < 60; i++) await s.update('/k', String(i), i);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(await s.compactRevision(), 45, 'no compaction after stop');
});

test('startCompactor reports errors and keeps running', async () => {
  const s = await seeded(20);
  const errors: unknown[] = [];
  let calls = 0;
  const failing = Object.assign(Object.create(s) as MemoryStorage, {
    compact: async (rev: number) => {
      calls++;
      if (calls === 1) throw new Error('boom');
      return s.compact(rev);
    },
  });
  const c = startCompactor(failing, { intervalMs: 10, keepRevisions: 5, onError: (e) => errors.push(e) });
  await new Promise((resolve) => setTimeout(resolve, 80));
  c.stop();
  assert.equal(errors.length, 1);
  assert.equal(await s.compactRevision(), 15);
});
