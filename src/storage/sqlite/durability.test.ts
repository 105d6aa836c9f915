import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteStorage, type SqliteWriterMode } from './sqlite-storage.ts';

const WRITER = fileURLToPath(new URL('./durability-writer.ts', import.meta.url));

/** Runs the writer until it has acknowledged `wanted` writes, then kills it with SIGKILL. */
function writeThenKill(dbPath: string, wanted: number, mode: SqliteWriterMode): Promise<Map<string, number>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dbPath, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
    const acked = new Map<string, number>();
    let buffered = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const [word, key, rev] = line.split(' ');
        if (word === 'ack') acked.set(key!, Number(rev));
      }
      // Kill mid-stream: writes are in flight (queued, or inside a transaction) at this moment.
      if (acked.size >= wanted && child.exitCode === null) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`writer exited on its own (signal ${signal})`));
      else resolve(acked);
    });
  });
}

for (const mode of ['thread', 'inline'] as const) {
  test(`every acknowledged write survives SIGKILL of the writing process (${mode} writer)`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-durability-'));
    try {
      const dbPath = join(dir, 'state.db');
      const acked = await writeThenKill(dbPath, 2000, mode);
      assert.ok(acked.size >= 2000, `writer acknowledged ${acked.size} writes`);
      const store = SqliteStorage.open(dbPath);
      try {
        let maxRev = 0;
        for (const [key, rev] of acked) {
          const kv = await store.get(key);
          assert.ok(kv, `acknowledged key ${key} is missing after the crash`);
          assert.equal(kv.modRevision, rev);
          maxRev = Math.max(maxRev, rev);
        }
        const current = await store.currentRevision();
        assert.ok(current >= maxRev);
        // Revisions stay dense after recovery: every surviving write has its own revision 1..current.
        const all = await store.list('/durable/');
        assert.equal(all.items.length, current);
        assert.equal(await store.create('/after-crash', 'x'), current + 1);
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
