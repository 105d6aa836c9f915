/**
 * The write side of the SQLite store: owns the write connection, assigns revisions, and commits each
 * batch of writes as one transaction (one fsync). Runs inside the writer worker (or inline for
 * `:memory:` stores). Each write is checked on its own against the state left by every write before
 * it, in this batch and in earlier ones, so the outcome is what one-write-per-transaction would give.
 */
import type Database from 'better-sqlite3';
import type { KeyValue } from '../interface.ts';
import { configure, prepare, type KvRow, type Statements } from './schema.ts';
import type { WriteOp, WriteResult, WriterReply } from './writer-protocol.ts';

/** Compaction deletes history in windows of this many revisions, one transaction each (kine uses 1000). */
export const COMPACT_WINDOW = 1000;

function toKv(row: KvRow): KeyValue {
  return { key: row.name, value: row.value, createRevision: row.create_revision, modRevision: row.id };
}

/** Thrown inside the transaction for a failed precondition: it fails only its own write. */
class Precondition {
  constructor(readonly result: WriteResult) {}
}

/** Applies batches and compaction windows on one connection; the only writer of the database. */
export class BatchWriter {
  private readonly s: Statements;
  /** Newest revision written (inside a batch: including the batch's writes so far). */
  private rev: number;
  /** Compact revision whose deletions are committed (persisted in `meta`). */
  compactedDone: number;

  /** Configures `db` (WAL, synchronous=FULL, schema) and reads the revision it left off at. */
  constructor(private readonly db: Database.Database) {
    configure(db);
    this.s = prepare(db);
    this.compactedDone = this.s.getMeta.get('compact_rev')?.value ?? 0;
    // Compaction may have removed the newest row (a tombstone), so the compact revision bounds it too.
    this.rev = Math.max(this.s.maxId.get()?.id ?? 0, this.compactedDone);
  }

  /**
   * Commits `ops` in one transaction and returns the reply for the main thread. A write that fails
   * its precondition changes nothing and the others go on; any other error rolls the whole batch
   * back, takes no revisions, and is reported as the batch's error.
   */
  applyBatch(id: number, ops: WriteOp[]): WriterReply {
    const startRev = this.rev;
    try {
      const results = this.db.transaction(() => ops.map((op) => this.applyOne(op)))();
      return { type: 'batch', id, ok: true, revision: this.rev, results };
    } catch (err) {
      this.rev = startRev;
      throw err;
    }
  }

  /** Deletes history in the window (lo, hi] and records `hi` as the compact revision, in one transaction. */
  compactWindow(lo: number, hi: number): void {
    this.db.transaction(() => {
      this.s.compactWindow.run({ lo, hi });
      this.s.setMeta.run('compact_rev', hi);
    })();
    this.compactedDone = hi;
  }

  private applyOne(op: WriteOp): WriteResult {
    try {
      if (op.op === 'create') return this.create(op.key, op.value);
      if (op.op === 'update') return this.update(op.key, op.value, op.expectedRevision);
      return this.delete(op.key, op.expectedRevision);
    } catch (err) {
      if (err instanceof Precondition) return err.result;
      throw err;
    }
  }

  private create(key: string, value: string): WriteResult {
    const cur = this.s.latest.get(key);
    if (cur && !cur.deleted) throw new Precondition({ ok: false, error: 'exists' });
    const rev = this.rev + 1;
    this.s.insert.run(rev, key, 1, 0, rev, cur?.id ?? 0, value);
    this.rev = rev;
    return { ok: true, revision: rev, createRevision: rev };
  }

  private update(key: string, value: string, expectedRevision: number): WriteResult {
    const cur = this.live(key);
    if (cur.id !== expectedRevision) throw new Precondition({ ok: false, error: 'mismatch', actual: toKv(cur) });
    const rev = this.rev + 1;
    this.s.insert.run(rev, key, 0, 0, cur.create_revision, cur.id, value);
    this.rev = rev;
    return { ok: true, revision: rev, createRevision: cur.create_revision, prev: toKv(cur) };
  }

  private delete(key: string, expectedRevision: number | undefined): WriteResult {
    const cur = this.live(key);
    const prev = toKv(cur);
    if (expectedRevision !== undefined && cur.id !== expectedRevision) {
      throw new Precondition({ ok: false, error: 'mismatch', actual: prev });
    }
    const rev = this.rev + 1;
    // Like kine, the tombstone keeps the last value so a DELETE event can carry it.
    this.s.insert.run(rev, key, 0, 1, cur.create_revision, cur.id, cur.value);
    this.rev = rev;
    return { ok: true, revision: rev, createRevision: cur.create_revision, prev };
  }

  private live(key: string): KvRow {
    const cur = this.s.latest.get(key);
    if (!cur || cur.deleted) throw new Precondition({ ok: false, error: 'notFound' });
    return cur;
  }
}
