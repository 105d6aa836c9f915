/**
 * The SQLite backend (single process): a log-structured table like kine's, written through group
 * commit, read with synchronous prepared queries, and watched through in-process fan-out.
 */
import Database from 'better-sqlite3';
import {
  CompactedError,
  KeyExistsError,
  KeyNotFoundError,
  RevisionMismatchError,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type Storage,
  type WatchCallbacks,
  type WatchEvent,
  type WatchHandle,
} from '../interface.ts';
import { FutureRevisionError } from '../future-revision-error.ts';
import { prefixEnd, rangeStart } from '../keys.ts';
import { WatchHub } from '../watch-hub.ts';
import { GroupCommit } from './group-commit.ts';
import { configure, prepare, type EventRow, type KvRow, type Statements } from './schema.ts';

/** Compaction deletes history in windows of this many revisions, yielding between them (kine uses 1000). */
const COMPACT_WINDOW = 1000;

function closedError(): Error {
  return new Error('storage closed');
}

function toKv(row: KvRow): KeyValue {
  return { key: row.name, value: row.value, createRevision: row.create_revision, modRevision: row.id };
}

function toEvent(row: EventRow): WatchEvent {
  const event: WatchEvent = { type: row.deleted ? 'DELETE' : 'PUT', kv: toKv(row) };
  if (row.prev_id !== null) {
    event.prevKv = {
      key: row.name,
      value: row.prev_value!,
      createRevision: row.prev_create_revision!,
      modRevision: row.prev_id,
    };
  }
  return event;
}

/** {@link Storage} on one SQLite file: durable (fsync per commit), group-committed, log-structured. */
export class SqliteStorage implements Storage {
  private readonly s: Statements;
  private readonly writes: GroupCommit;
  private readonly hub = new WatchHub();
  /** Newest committed revision (inside a batch: the newest revision written so far). */
  private rev: number;
  /** Compact revision as seen by readers: the target of the newest compaction, even while it runs. */
  private compacted: number;
  /** Compact revision whose deletions are committed (persisted in `meta`). */
  private compactedDone: number;
  private compaction: Promise<void> = Promise.resolve();
  private batchStartRev = 0;
  private batchEvents: WatchEvent[] = [];
  private closed = false;

  private constructor(private readonly db: Database.Database) {
    configure(db);
    this.s = prepare(db);
    this.compactedDone = this.s.getMeta.get('compact_rev')?.value ?? 0;
    this.compacted = this.compactedDone;
    // Compaction may have removed the newest row (a tombstone), so the compact revision bounds it too.
    this.rev = Math.max(this.s.maxId.get()?.id ?? 0, this.compactedDone);
    this.writes = new GroupCommit(db, {
      begin: () => {
        this.batchStartRev = this.rev;
        this.batchEvents = [];
      },
      committed: () => {
        const events = this.batchEvents;
        this.batchEvents = [];
        this.hub.publish(events);
      },
      aborted: () => {
        this.rev = this.batchStartRev;
        this.batchEvents = [];
      },
    });
  }

  /** Opens (creating if needed) the database file at `path`; `:memory:` works for throwaway stores. */
  static open(path: string): SqliteStorage {
    return new SqliteStorage(new Database(path));
  }

  /** Transactions committed so far; fewer than writes when group commit batched them. */
  get commitCount(): number {
    return this.writes.batches;
  }

  /** The connection's durability settings, for diagnostics: expect WAL and synchronous=FULL (2). */
  durabilitySettings(): { journalMode: string; synchronous: number } {
    return {
      journalMode: String(this.db.pragma('journal_mode', { simple: true })),
      synchronous: Number(this.db.pragma('synchronous', { simple: true })),
    };
  }

  async currentRevision(): Promise<number> {
    return this.rev;
  }

  async compactRevision(): Promise<number> {
    return this.compacted;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.checkOpen();
    const row = this.s.latest.get(key);
    return row && !row.deleted ? toKv(row) : undefined;
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    this.checkOpen();
    const rev = options.revision || this.rev;
    if (rev < this.compacted) throw new CompactedError(rev, this.compacted);
    if (rev > this.rev) throw new FutureRevisionError(rev, this.rev);
    const limit = options.limit || 0;
    // One extra row tells whether more keys follow (etcd's `more`).
    const sqlLimit = limit > 0 ? limit + 1 : -1;
    const start = rangeStart(prefix, options.startKey);
    const end = prefixEnd(prefix);
    const rows =
      end !== undefined
        ? this.s.listBounded.all({ start, end, rev, limit: sqlLimit })
        : this.s.listOpen.all({ start, rev, limit: sqlLimit }).filter((r) => r.name.startsWith(prefix));
    const more = limit > 0 && rows.length > limit;
    const items = (more ? rows.slice(0, limit) : rows).map(toKv);
    return { items, revision: rev, more };
  }

  create(key: string, value: string): Promise<number> {
    if (this.closed) return Promise.reject(closedError());
    return this.writes.submit(() => {
      const cur = this.s.latest.get(key);
      if (cur && !cur.deleted) throw new KeyExistsError(key);
      const rev = this.rev + 1;
      this.s.insert.run(rev, key, 1, 0, rev, cur?.id ?? 0, value);
      this.rev = rev;
      this.batchEvents.push({ type: 'PUT', kv: { key, value, createRevision: rev, modRevision: rev } });
      return rev;
    });
  }

  update(key: string, value: string, expectedRevision: number): Promise<number> {
    if (this.closed) return Promise.reject(closedError());
    return this.writes.submit(() => {
      const cur = this.live(key);
      if (cur.id !== expectedRevision) throw new RevisionMismatchError(key, toKv(cur));
      const rev = this.rev + 1;
      this.s.insert.run(rev, key, 0, 0, cur.create_revision, cur.id, value);
      this.rev = rev;
      const kv = { key, value, createRevision: cur.create_revision, modRevision: rev };
      this.batchEvents.push({ type: 'PUT', kv, prevKv: toKv(cur) });
      return rev;
    });
  }

  delete(key: string, expectedRevision?: number): Promise<{ revision: number; prev: KeyValue }> {
    if (this.closed) return Promise.reject(closedError());
    return this.writes.submit(() => {
      const cur = this.live(key);
      const prev = toKv(cur);
      if (expectedRevision !== undefined && cur.id !== expectedRevision) throw new RevisionMismatchError(key, prev);
      const rev = this.rev + 1;
      // Like kine, the tombstone keeps the last value so a DELETE event can carry it.
      this.s.insert.run(rev, key, 0, 1, cur.create_revision, cur.id, cur.value);
      this.rev = rev;
      const kv = { key, value: cur.value, createRevision: cur.create_revision, modRevision: rev };
      this.batchEvents.push({ type: 'DELETE', kv, prevKv: prev });
      return { revision: rev, prev };
    });
  }

  watch(prefix: string, afterRevision: number, callbacks: WatchCallbacks): WatchHandle {
    if (this.closed) return this.hub.failed(callbacks, closedError());
    if (afterRevision < this.compacted) {
      return this.hub.failed(callbacks, new CompactedError(afterRevision, this.compacted));
    }
    // Synchronous read then subscribe: no commit can slip in between, so replay + live has no gap.
    const replay = afterRevision < this.rev ? this.history(prefix, afterRevision) : [];
    return this.hub.subscribe(prefix, Math.max(this.rev, afterRevision), replay, callbacks);
  }

  compact(revision: number): Promise<void> {
    if (this.closed) return Promise.reject(closedError());
    if (revision > this.rev) return Promise.reject(new FutureRevisionError(revision, this.rev));
    if (revision <= this.compacted) return Promise.resolve();
    this.compacted = revision;
    // Compactions run one after another; each deletes in windows and yields so writes keep flowing.
    this.compaction = this.compaction.then(() => this.compactTo(revision));
    return this.compaction;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.writes.flush();
    this.closed = true;
    this.hub.closeAll();
    await this.compaction.catch(() => {});
    this.db.close();
  }

  /** Events after `afterRevision` for keys under `prefix`, in revision order, from the table. */
  private history(prefix: string, afterRevision: number): WatchEvent[] {
    const end = prefixEnd(prefix);
    const rows =
      end !== undefined
        ? this.s.eventsBounded.all({ after: afterRevision, start: prefix, end })
        : this.s.eventsOpen.all({ after: afterRevision, start: prefix }).filter((r) => r.name.startsWith(prefix));
    return rows.map(toEvent);
  }

  private async compactTo(target: number): Promise<void> {
    while (this.compactedDone < target && !this.closed) {
      const lo = this.compactedDone;
      const hi = Math.min(lo + COMPACT_WINDOW, target);
      this.db.transaction(() => {
        this.s.compactWindow.run({ lo, hi });
        this.s.setMeta.run('compact_rev', hi);
      })();
      this.compactedDone = hi;
      if (hi < target) await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private live(key: string): KvRow {
    const cur = this.s.latest.get(key);
    if (!cur || cur.deleted) throw new KeyNotFoundError(key);
    return cur;
  }

  private checkOpen(): void {
    if (this.closed) throw closedError();
  }
}
