/**
 * Storage throughput floors: what the raw engines manage with one durable write per transaction,
 * and what SqliteStorage reaches on top with group commit and 64 concurrent writers.
 *
 *   node --import tsx bench/storage-floor.ts [seconds-per-measurement]
 *
 * Every measurement runs for a fixed time; the whole run is bounded (about 5 x seconds, plus etcd startup).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { Etcd3 } from 'etcd3';
import { SqliteStorage } from '../src/storage/sqlite/sqlite-storage.ts';
import { startTestEtcd } from '../src/storage/test-etcd.ts';
import { TxnClient } from '../src/storage/etcd/txn-client.ts';
import { encodeCreate } from '../src/storage/etcd/txn-codec.ts';

/** A JSON document of about 1 KiB, the size of a small Kubernetes object. */
function payload(i: number): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}` }, data: { blob: 'x'.repeat(940) } });
}

/**
 * Raw better-sqlite3, WAL, synchronous=FULL, one INSERT per transaction (one fsync each) for
 * `seconds`. Returns committed transactions per second.
 */
export async function measureSqliteFloor(dir: string, seconds: number): Promise<number> {
  const db = new Database(join(dir, 'floor.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, value TEXT NOT NULL)');
    const insert = db.prepare('INSERT INTO t (name, value) VALUES (?, ?)');
    const start = performance.now();
    const deadline = start + seconds * 1000;
    let n = 0;
    while (performance.now() < deadline) {
      insert.run(`/floor/${n}`, payload(n)); // autocommit: its own transaction
      n++;
    }
    return n / ((performance.now() - start) / 1000);
  } finally {
    db.close();
  }
}

/** Raw etcd3 puts from `clients` concurrent loops over one connection for `seconds`. Returns puts per second. */
export async function measureEtcdFloor(endpoint: string, clients: number, seconds: number): Promise<number> {
  const etcd = new Etcd3({ hosts: [endpoint] });
  try {
    return await writesPerSecond(clients, seconds, async (c, i) => {
      await etcd.put(`/floor/${c}/${i}`).value(payload(i));
    });
  } finally {
    etcd.close();
  }
}

/** Runs `clients` concurrent loops of `write(client, i)` until `seconds` have passed; returns writes per second. */
async function writesPerSecond(clients: number, seconds: number, write: (client: number, i: number) => Promise<void>): Promise<number> {
  const start = performance.now();
  const deadline = start + seconds * 1000;
  let n = 0;
  const loop = async (c: number): Promise<void> => {
    for (let i = 0; performance.now() < deadline; i++) {
      await write(c, i);
      n++;
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, c) => loop(c)));
  return n / ((performance.now() - start) / 1000);
}

/**
 * Raw etcd writes from `clients` concurrent loops through the lean client EtcdStorage writes with
 * (src/storage/etcd/txn-client.ts: one gRPC call over node:http2, hand-encoded): each write is the
 * create transaction (compare create_revision == 0, put) of a fresh key. etcd3's own client costs
 * this process ~1.3 ms of CPU per put, so on 2 shared cores the etcd3 floor measures the client as
 * much as etcd; this one measures etcd. Returns writes per second.
 */
export async function measureEtcdLeanFloor(endpoint: string, clients: number, seconds: number): Promise<number> {
  const client = new TxnClient(endpoint);
  try {
    return await writesPerSecond(clients, seconds, async (c, i) => {
      const res = await client.txn(encodeCreate(Buffer.from(`/floor-lean/${c}/${i}`), Buffer.from(payload(i))));
      if (!res.succeeded) throw new Error('lean etcd floor: key already existed');
    });
  } finally {
    client.close();
  }
}

/**
 * SqliteStorage.create from `writers` concurrent loops for `seconds` (group commit at work).
 * Returns acknowledged writes per second and the average writes per transaction.
 */
export async function measureSqliteStorage(
  dir: string,
  writers: number,
  seconds: number,
): Promise<{ opsPerSecond: number; writesPerCommit: number }> {
  const store = SqliteStorage.open(join(dir, 'storage.db'));
  try {
    const start = performance.now();
    const deadline = start + seconds * 1000;
    let n = 0;
    const loop = async (w: number): Promise<void> => {
      for (let i = 0; performance.now() < deadline; i++) {
        await store.create(`/bench/${w}/${i}`, payload(i));
        n++;
      }
    };
    await Promise.all(Array.from({ length: writers }, (_, w) => loop(w)));
    const elapsed = (performance.now() - start) / 1000;
    return { opsPerSecond: n / elapsed, writesPerCommit: n / Math.max(1, store.commitCount) };
  } finally {
    await store.close();
  }
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 3);
  const dir = mkdtempSync(join(tmpdir(), 'skiff-bench-'));
  const rows: [string, string][] = [];
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  try {
    rows.push(['sqlite raw, 1 row/tx, sync=FULL', `${fmt(await measureSqliteFloor(dir, seconds))} tx/s`]);
    const st = await measureSqliteStorage(dir, 64, seconds);
    rows.push(['SqliteStorage.create, 64 writers', `${fmt(st.opsPerSecond)} ops/s (${st.writesPerCommit.toFixed(1)} writes/tx)`]);
    const etcd = await startTestEtcd();
    try {
      rows.push(['etcd raw put, 1 client', `${fmt(await measureEtcdFloor(etcd.endpoint, 1, seconds))} ops/s`]);
      rows.push(['etcd raw put, 64 clients', `${fmt(await measureEtcdFloor(etcd.endpoint, 64, seconds))} ops/s`]);
      rows.push(['etcd create txn, lean client, 64 clients', `${fmt(await measureEtcdLeanFloor(etcd.endpoint, 64, seconds))} ops/s`]);
    } finally {
      await etcd.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`${'measurement'.padEnd(width)}  result (${seconds}s each)`);
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
