/**
 * The SQLite backend (single process): a log-structured table like kine's. Writes go to a writer
 * worker thread that owns the write connection and commits each batch of writes in one transaction
 * (group commit, pipelined: see writer-client.ts), so fsyncs never block the event loop. Reads run
 * here on a separate connection (WAL lets it read while the writer commits) and see only revisions
 * whose commit has been acknowledged; watches are fanned out in process.
 */
import Database from 'better-sqlite3';
import {
  CompactedError,
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
import { configure, prepare, type EventRow, type KvRow, type Statements } from './schema.ts';
import { InlineChannel, WorkerChannel, type ChannelListener, type WriterChannel } from './writer-channel.ts';
import { WriterClient } from './writer-client.ts';

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

/**
 * Where a file database's commits run. 'thread': a writer worker thread with its own connection
 * (the fsync never blocks the event loop; every value is cloned to it). 'inline': on the main
 * thread on the store's connection, at the end of the event-loop turn that queued the writes
 * (no clone and no thread hop; the event loop waits for each batch's fsync). Durability is the
 * same: WAL with synchronous=FULL, and a write is acknowledged only after its commit.
 */
export type SqliteWriterMode = 'thread' | 'inline';

/** Options of {@link SqliteStorage.open}. */
export interface SqliteOpenOptions {
  writer?: SqliteWriterMode;
}

function defaultWriterMode(): SqliteWriterMode {
  return process.env.SKIFF_SQLITE_WRITER === 'inline' ? 'inline' : 'thread';
}

/** In-memory and temporary databases exist per connection, so another thread cannot write them. */
function isPrivateDatabase(path: string): boolean {
  return path === '' || path === ':memory:' || path.startsWith('file::memory:');
}

/** {@link Storage} on one SQLite file: durable (fsync per commit), group-committed off the main thread, log-structured. */
export class SqliteStorage implements Storage {
  private readonly s: Statements;
  private readonly writes: WriterClient;
  private readonly hub = new WatchHub();
  /**
   * Newest revision committed and acknowledged (published to watchers). The writer may have
   * committed more whose reply has not been handled yet; every read is bounded by this revision so
   * none of those is visible before its writer and its watchers hear about it.
   */
  private rev: number;
  /** Compact revision as seen by readers: the target of the newest compaction, even while it runs. */
  private compacted: number;
  private compaction: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly db: Database.Database,
    path: string,
    writer: SqliteWriterMode,
  ) {
    configure(db);
    this.s = prepare(db);
    const compactedDone = this.s.getMeta.get('compact_rev')?.value ?? 0;
    this.compacted = compactedDone;
    // Compaction may have removed the newest row (a tombstone), so the compact revision bounds it too.
    this.rev = Math.max(this.s.maxId.get()?.id ?? 0, compactedDone);
    const inline = writer === 'inline' || isPrivateDatabase(path);
    // The read connection must never write: the worker is the only writer of the file.
    if (!inline) db.pragma('query_only = ON');
    const open = (listener: ChannelListener): WriterChannel =>
      inline ? new InlineChannel(db, listener) : new WorkerChannel(path, listener);
    this.writes = new WriterClient(open, (revision, events) => {
      // Revision first, then publish, then (in the caller) settle the writers: a watch opened at
      // any point reads history up to `rev` and receives everything after it live.
      this.rev = revision;
      this.hub.publish(events);
    });
  }

  /**
   * Opens (creating if needed) the database file at `path`; `:memory:` works for throwaway stores.
   * `writer` picks where commits run (default: SKIFF_SQLITE_WRITER, else 'thread'); see {@link SqliteWriterMode}.
   */
  static open(path: string, options: SqliteOpenOptions = {}): SqliteStorage {
    return new SqliteStorage(new Database(path), path, options.writer ?? defaultWriterMode());
  }

  /** Transactions committed so far; fewer than writes when group commit batched them. */
  get commitCount(): number {
    return this.writes.batches;
  }

  /**
   * The durability settings, for diagnostics: expect WAL and synchronous=FULL (2). Read from this
   * connection, which `configure` sets up exactly like the writer's.
   */
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
    const row = this.s.latestAt.get(key, this.rev);
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

  async create(key: string, value: string): Promise<number> {
    this.checkOpen();
    return (await this.writes.submit({ op: 'create', key, value })).revision;
  }

  async update(key: string, value: string, expectedRevision: number): Promise<number> {
    this.checkOpen();
    return (await this.writes.submit({ op: 'update', key, value, expectedRevision })).revision;
  }

  async delete(key: string, expectedRevision?: number): Promise<{ revision: number; prev: KeyValue }> {
    this.checkOpen();
    const op = expectedRevision === undefined ? { op: 'delete' as const, key } : { op: 'delete' as const, key, expectedRevision };
    const { revision, prev } = await this.writes.submit(op);
    return { revision, prev: prev! };
  }

  watch(prefix: string, afterRevision: number, callbacks: WatchCallbacks): WatchHandle {
    if (this.closed) return this.hub.failed(callbacks, closedError());
    if (afterRevision < this.compacted) {
      return this.hub.failed(callbacks, new CompactedError(afterRevision, this.compacted));
    }
    // Synchronous read up to `rev`, then subscribe: events above `rev` are published only after
    // this returns, so replay + live has no gap, even for rows already committed but unacknowledged.
    const replay = afterRevision < this.rev ? this.history(prefix, afterRevision, this.rev) : [];
    return this.hub.subscribe(prefix, Math.max(this.rev, afterRevision), replay, callbacks);
  }

  compact(revision: number): Promise<void> {
    if (this.closed) return Promise.reject(closedError());
    if (revision > this.rev) return Promise.reject(new FutureRevisionError(revision, this.rev));
    if (revision <= this.compacted) return Promise.resolve();
    this.compacted = revision;
    // The writer runs compactions in order, window by window, between batches.
    this.compaction = this.writes.compact(revision);
    return this.compaction;
  }

  /** Commits every write already submitted, waits for a running compaction to stop, and closes. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.writes.close();
    } finally {
      this.hub.closeAll();
      await this.compaction.catch(() => {});
      this.db.close();
    }
  }

  /** Events in (afterRevision, upto] for keys under `prefix`, in revision order, from the table. */
  private history(prefix: string, afterRevision: number, upto: number): WatchEvent[] {
    const end = prefixEnd(prefix);
    const rows =
      end !== undefined
        ? this.s.eventsBounded.all({ after: afterRevision, upto, start: prefix, end })
        : this.s.eventsOpen.all({ after: afterRevision, upto, start: prefix }).filter((r) => r.name.startsWith(prefix));
    return rows.map(toEvent);
  }

  private checkOpen(): void {
    if (this.closed) throw closedError();
  }
}
