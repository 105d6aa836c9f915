import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import type { WatchEvent } from '../interface.ts';
import { FutureRevisionError } from '../future-revision-error.ts';
import { SqliteStorage } from './sqlite-storage.ts';

let dir = '';
let path = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'skiff-sqlite-writer-'));
  path = join(dir, 'state.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('rows committed but not yet acknowledged are invisible to reads and watches', async () => {
  const s = SqliteStorage.open(path);
  await s.create('/a', '1'); // 1
  // Another connection commits revisions 2 and 3, as the writer thread does before its reply arrives.
  const raw = new Database(path);
  raw.prepare("INSERT INTO kv VALUES (2, '/a', 0, 0, 1, 1, '2'), (3, '/z', 1, 0, 3, 0, 'z')").run();
  raw.close();
  assert.equal(await s.currentRevision(), 1);
  assert.equal((await s.get('/a'))?.value, '1');
  assert.equal(await s.get('/z'), undefined);
  assert.deepEqual((await s.list('/')).items.map((kv) => `${kv.key}@${kv.modRevision}`), ['/a@1']);
  await assert.rejects(s.list('/', { revision: 3 }), FutureRevisionError);
  const events: WatchEvent[] = [];
  s.watch('/', 0, { onEvents: (e) => events.push(...e) });
  await sleep(30);
  assert.deepEqual(events.map((e) => e.kv.modRevision), [1], 'a replay stops at the acknowledged revision');
  await s.close();
});

test('the event loop keeps running while a large batch commits', async () => {
  const s = SqliteStorage.open(path);
  const value = 'x'.repeat(1024);
  await s.create('/warm', value); // the writer thread is up: its start-up must not count as idle time
  const before = performance.eventLoopUtilization();
  const started = performance.now();
  await Promise.all(Array.from({ length: 5_000 }, (_, i) => s.create(`/big/${i}`, value)));
  const elapsed = performance.now() - started;
  const elu = performance.eventLoopUtilization(before);
  assert.equal(s.commitCount, 2);
  // On the main thread the transaction and its fsync kept the loop busy the whole time (ELU ~1).
  assert.ok(elu.utilization < 0.85, `main thread busy ${(elu.utilization * 100).toFixed(0)}% of ${elapsed.toFixed(0)} ms`);
  assert.equal((await s.list('/big/', { limit: 1 })).revision, 5_001);
  await s.close();
});

test('in-memory stores write inline and behave the same', async () => {
  const s = SqliteStorage.open(':memory:');
  const events: WatchEvent[] = [];
  s.watch('/', 0, { onEvents: (e) => events.push(...e) });
  const revs = await Promise.all([s.create('/a', '1'), s.create('/b', '1')]);
  assert.deepEqual(revs, [1, 2]);
  assert.equal(await s.update('/a', '2', 1), 3);
  await assert.rejects(s.create('/b', 'x'), { name: 'KeyExistsError' });
  await s.compact(3);
  assert.equal(await s.compactRevision(), 3);
  await sleep(20);
  assert.deepEqual(events.map((e) => `${e.type}${e.kv.key}@${e.kv.modRevision}`), ['PUT/a@1', 'PUT/b@2', 'PUT/a@3']);
  await s.close();
});

test('the writer thread starts when tsx is registered with register() only, as bin/skiff.js does', async () => {
  const storage = new URL('./sqlite-storage.ts', import.meta.url).href;
  const script = [
    `import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))};`,
    'register();',
    `const { SqliteStorage } = await import(${JSON.stringify(storage)});`,
    `const s = SqliteStorage.open(${JSON.stringify(path)});`,
    "const rev = await s.create('/from-bin', 'x');",
    'await s.close();',
    'console.log(`rev ${rev}`);',
  ].join('\n');
  // No --import flag and a foreign working directory: the worker must bring its own loader.
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
    cwd: dir,
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  assert.equal(stdout.trim(), 'rev 1');
  const reopened = SqliteStorage.open(path);
  assert.equal((await reopened.get('/from-bin'))?.modRevision, 1);
  await reopened.close();
});
