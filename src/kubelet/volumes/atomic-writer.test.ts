import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeAtomically, type Payload } from './atomic-writer.ts';

function payload(entries: Record<string, string | [string, number]>): Payload {
  return new Map(Object.entries(entries).map(([k, v]) => [k, Array.isArray(v) ? { data: Buffer.from(v[0]), mode: v[1] } : { data: Buffer.from(v), mode: 0o644 }]));
}

function withDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-aw-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

const tsDirs = (dir: string) => readdirSync(dir).filter((n) => /^\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\.\d+$/.test(n));

test(
  'first write: timestamped dir, ..data symlink, user-visible symlinks, exact modes',
  withDir(async (dir) => {
    const changed = await writeAtomically(dir, payload({ 'app.conf': 'a=1', secret: ['s', 0o400], 'nested/deep/file': 'x' }), Date.UTC(2024, 4, 1, 10, 0, 0));
    assert.equal(changed, true);
    const [ts] = tsDirs(dir);
    assert.match(ts, /^\.\.2024_05_01_10_00_00\.\d+$/);
    assert.equal(readlinkSync(join(dir, '..data')), ts);
    assert.equal(readlinkSync(join(dir, 'app.conf')), '..data/app.conf');
    assert.equal(readlinkSync(join(dir, 'nested')), '..data/nested');
    assert.equal(readFileSync(join(dir, 'nested/deep/file'), 'utf8'), 'x');
    assert.equal(statSync(join(dir, 'secret')).mode & 0o777, 0o400);
    assert.equal(statSync(join(dir, 'app.conf')).mode & 0o777, 0o644);
    assert.equal(statSync(join(dir, ts)).mode & 0o777, 0o755);
    assert.deepEqual(readdirSync(dir).sort(), ['..data', ts, 'app.conf', 'nested', 'secret'].sort());
  }),
);

test(
  'an update swaps ..data in place: same visible symlink, new content, removed keys gone, old dir deleted',
  withDir(async (dir) => {
    await writeAtomically(dir, payload({ a: '1', b: '2' }));
    const before = lstatSync(join(dir, 'a')).ino;
    const [oldTs] = tsDirs(dir);
    assert.equal(await writeAtomically(dir, payload({ a: '1', b: '2' })), false, 'an unchanged payload is not rewritten');
    assert.deepEqual(tsDirs(dir), [oldTs]);
    assert.equal(await writeAtomically(dir, payload({ a: 'new', c: '3' })), true);
    assert.equal(lstatSync(join(dir, 'a')).ino, before, 'the user-visible path is the same symlink');
    assert.equal(readFileSync(join(dir, 'a'), 'utf8'), 'new');
    assert.equal(readFileSync(join(dir, 'c'), 'utf8'), '3');
    assert.throws(() => lstatSync(join(dir, 'b')), /ENOENT/);
    const [newTs] = tsDirs(dir);
    assert.notEqual(newTs, oldTs);
    assert.equal(tsDirs(dir).length, 1);
    assert.ok(!readdirSync(dir).includes('..data_tmp'));
    assert.equal(await writeAtomically(dir, payload({ a: ['new', 0o600], c: '3' })), true, 'a mode change is an update');
  }),
);

test(
  'paths that could escape or collide are refused before anything is written',
  withDir(async (dir) => {
    for (const bad of ['/etc/passwd', '../x', 'a/../../x', '..data', '']) {
      await assert.rejects(writeAtomically(join(dir, 'v'), payload({ [bad]: 'x' })), /invalid path/);
    }
    assert.deepEqual(readdirSync(dir), []);
  }),
);
