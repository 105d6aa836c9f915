/**
 * The raw store floors the API numbers are compared with, measured through bench/storage-floor.ts:
 * better-sqlite3 one-row transactions with synchronous=FULL, and etcd puts from 64 concurrent
 * clients.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchStore } from './server-process.ts';
import { round2 } from './stats.ts';
import { measureEtcdFloor, measureEtcdLeanFloor, measureSqliteFloor } from './storage-floor.ts';

/** A raw floor: operations per second of the bare store, and what was measured. */
export interface FloorResult {
  store: BenchStore;
  label: string;
  opsPerSec: number;
  /** A second floor of the same store, when there is one (etcd: through the lean client, which costs far less CPU than etcd3). */
  alt?: { label: string; opsPerSec: number };
}

/** Concurrency of the raw etcd floor, as the brief's target names it. */
export const ETCD_FLOOR_CLIENTS = 64;

/** Measures the raw floor of `store` for `seconds` (an etcd floor needs the etcd `endpoint`). */
export async function measureFloor(store: BenchStore, seconds: number, endpoint?: string): Promise<FloorResult> {
  if (store === 'etcd') {
    if (!endpoint) throw new Error('the etcd floor needs an endpoint');
    const opsPerSec = await measureEtcdFloor(endpoint, ETCD_FLOOR_CLIENTS, seconds);
    const lean = await measureEtcdLeanFloor(endpoint, ETCD_FLOOR_CLIENTS, seconds);
    return {
      store,
      label: `raw etcd puts, ${ETCD_FLOOR_CLIENTS} clients`,
      opsPerSec: round2(opsPerSec),
      alt: { label: `raw etcd create txns through the lean client, ${ETCD_FLOOR_CLIENTS} clients`, opsPerSec: round2(lean) },
    };
  }
  // Same filesystem as the server's data dir (both under the OS temp dir), so fsync costs match.
  const dir = mkdtempSync(join(tmpdir(), 'skiff-floor-'));
  try {
    const opsPerSec = await measureSqliteFloor(dir, seconds);
    return { store, label: 'raw SQLite 1-row tx, synchronous=FULL', opsPerSec: round2(opsPerSec) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
