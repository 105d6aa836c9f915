/**
 * A fully in-memory Storage with the same MVCC semantics as the SQLite and etcd backends: every key
 * keeps its versions until compaction, so reads at an old revision and watches from an old revision
 * work exactly as they do against etcd. Used by unit tests and the in-process test cluster.
 */
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
import { lowerBound, rangeStart } from '../keys.ts';
import { WatchHub } from '../watch-hub.ts';

/** One version of a key; a tombstone (`deleted`) keeps the last value, like kine's delete rows. */
interface Version {
  rev: number;
  createRevision: number;
  value: string;
  deleted: boolean;
}

function toKv(key: string, v: Version): KeyValue {
  return { key, value: v.value, createRevision: v.createRevision, modRevision: v.rev };
}

/** The newest version of `versions` (ascending by rev) at or before `rev`. */
function versionAt(versions: readonly Version[], rev: number): Version | undefined {
  const last = versions[versions.length - 1];
  if (last && last.rev <= rev) return last;
  let lo = 0;
  let hi = versions.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (versions[mid]!.rev <= rev) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 ? versions[lo - 1] : undefined;
}

/** In-memory, revisioned, watchable key-value store implementing {@link Storage}. */
export class MemoryStorage implements Storage {
  private rev = 0;
  private compacted = 0;
  private closed = false;
  /** Versions per key, ascending by revision; a key disappears once compaction removes its last version. */
  private readonly history = new Map<string, Version[]>();
  /** Every key in `history`, in byte order, for ranged reads. */
  private keys: string[] = [];
  /** One event per revision: `log[i]` is revision `compacted + 1 + i`. */
  private log: WatchEvent[] = [];
  private readonly hub = new WatchHub();

  async currentRevision(): Promise<number> {
    return this.rev;
  }

  async compactRevision(): Promise<number> {
    return this.compacted;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.checkOpen();
    const v = this.latest(key);
    return v && !v.deleted ? toKv(key, v) : undefined;
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    this.checkOpen();
    const rev = options.revision || this.rev;
    if (rev < this.compacted) throw new CompactedError(rev, this.compacted);
    if (rev > this.rev) throw new FutureRevisionError(rev, this.rev);
    const limit = options.limit || Infinity;
    const items: KeyValue[] = [];
    let more = false;
    for (let i = lowerBound(this.keys, rangeStart(prefix, options.startKey)); i < this.keys.length; i++) {
      const key = this.keys[i]!;
      if (!key.startsWith(prefix)) break;
      const v = versionAt(this.history.get(key)!, rev);
      if (!v || v.deleted) continue;
      if (items.length >= limit) {
        more = true;
        break;
      }
      items.push(toKv(key, v));
    }
    return { items, revision: rev, more };
  }

  async create(key: string, value: string): Promise<number> {
    this.checkOpen();
    const cur = this.latest(key);
    if (cur && !cur.deleted) throw new KeyExistsError(key);
    const v: Version = { rev: this.rev + 1, createRevision: this.rev + 1, value, deleted: false };
    this.append(key, v, { type: 'PUT', kv: toKv(key, v) });
    return v.rev;
  }

  async update(key: string, value: string, expectedRevision: number): Promise<number> {
    this.checkOpen();
    const cur = this.live(key);
    if (cur.rev !== expectedRevision) throw new RevisionMismatchError(key, toKv(key, cur));
    const v: Version = { rev: this.rev + 1, createRevision: cur.createRevision, value, deleted: false };
    this.append(key, v, { type: 'PUT', kv: toKv(key, v), prevKv: toKv(key, cur) });
    return v.rev;
  }

  async delete(key: string, expectedRevision?: number): Promise<{ revision: number; prev: KeyValue }> {
    this.checkOpen();
    const cur = this.live(key);
    const prev = toKv(key, cur);
    if (expectedRevision !== undefined && cur.rev !== expectedRevision) throw new RevisionMismatchError(key, prev);
    const v: Version = { rev: this.rev + 1, createRevision: cur.createRevision, value: cur.value, deleted: true };
    this.append(key, v, { type: 'DELETE', kv: toKv(key, v), prevKv: prev });
    return { revision: v.rev, prev };
  }

  watch(prefix: string, afterRevision: number, callbacks: WatchCallbacks): WatchHandle {
    if (afterRevision < this.compacted) {
      return this.hub.failed(callbacks, new CompactedError(afterRevision, this.compacted));
    }
    const replay: WatchEvent[] = [];
    for (let i = Math.max(0, afterRevision - this.compacted); i < this.log.length; i++) {
      const ev = this.log[i]!;
      if (ev.kv.key.startsWith(prefix)) replay.push(ev);
    }
    return this.hub.subscribe(prefix, Math.max(this.rev, afterRevision), replay, callbacks);
  }

  async compact(revision: number): Promise<void> {
    this.checkOpen();
    if (revision > this.rev) throw new FutureRevisionError(revision, this.rev);
    if (revision <= this.compacted) return; // etcd reports ErrCompacted here; compaction is idempotent for us.
    const dropped = this.log.slice(0, revision - this.compacted);
    this.log = this.log.slice(revision - this.compacted);
    this.compacted = revision;
    let removedKeys = false;
    for (const key of new Set(dropped.map((ev) => ev.kv.key))) {
      if (this.trim(key, revision)) removedKeys = true;
    }
    if (removedKeys) this.keys = this.keys.filter((k) => this.history.has(k));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.hub.closeAll();
  }

  /** Keeps only the newest version at or before `revision` (dropped too if a tombstone). True if the key vanished. */
  private trim(key: string, revision: number): boolean {
    const versions = this.history.get(key)!;
    let keepFrom = 0;
    while (keepFrom + 1 < versions.length && versions[keepFrom + 1]!.rev <= revision) keepFrom++;
    if (versions[keepFrom]!.deleted && versions[keepFrom]!.rev <= revision) keepFrom++;
    if (keepFrom > 0) versions.splice(0, keepFrom);
    if (versions.length > 0) return false;
    this.history.delete(key);
    return true;
  }

  private append(key: string, v: Version, event: WatchEvent): void {
    let versions = this.history.get(key);
    if (!versions) {
      versions = [];
      this.history.set(key, versions);
      const at = lowerBound(this.keys, key);
      this.keys.splice(at, 0, key);
    }
    versions.push(v);
    this.rev = v.rev;
    this.log.push(event);
    this.hub.publish([event]);
  }

  private latest(key: string): Version | undefined {
    const versions = this.history.get(key);
    return versions?.[versions.length - 1];
  }

  private live(key: string): Version {
    const cur = this.latest(key);
    if (!cur || cur.deleted) throw new KeyNotFoundError(key);
    return cur;
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('storage closed');
  }
}
