/**
 * The etcd v3 backend, the way the Kubernetes apiserver's etcd3 store uses etcd: creates are a
 * transaction guarded by `create_revision == 0`, updates and deletes by `mod_revision == expected`,
 * lists are ranged reads (with revision, limit and `more`), watches are etcd watches with prevKv.
 * Every key is stored under an optional prefix so several stores can share one etcd.
 */
import { Etcd3, type ICompare, type IKeyValue, type IRangeRequest, type KVClient } from 'etcd3';
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
  type WatchHandle,
} from '../interface.ts';
import { FutureRevisionError } from '../future-revision-error.ts';
import { rangeStart } from '../keys.ts';
import { watchEtcd, type EtcdWatch } from './etcd-watch.ts';
import { TxnClient } from './txn-client.ts';
import { encodeCreate, encodeDelete, encodeUpdate, type WireKeyValue } from './txn-codec.ts';

/** etcd's "all keys from here on" range end (a single zero byte). */
const ALL = Buffer.from([0]);

/** etcd's GetPrefixRangeEnd: increment the last byte below 0xff, dropping the 0xff bytes after it. */
export function prefixRangeEnd(prefix: Buffer): Buffer {
  for (let i = prefix.length - 1; i >= 0; i--) {
    if (prefix[i]! < 0xff) {
      const end = Buffer.from(prefix.subarray(0, i + 1));
      end[i] = end[i]! + 1;
      return end;
    }
  }
  return ALL;
}

function isCompactedError(err: unknown): boolean {
  return err instanceof Error && err.message.includes('required revision has been compacted');
}

function isFutureRevisionError(err: unknown): boolean {
  return err instanceof Error && err.message.includes('required revision is a future revision');
}

/** {@link Storage} on an etcd v3 cluster through the `etcd3` client. */
export class EtcdStorage implements Storage {
  private readonly kv: KVClient;
  /** Highest compact revision observed; compaction only moves forward, so probing starts here. */
  private knownCompact = 0;
  private readonly watches = new Set<EtcdWatch>();

  private constructor(
    private readonly client: Etcd3,
    private readonly prefix: string,
    /** The lean write path (one endpoint); undefined: writes go through etcd3 too. */
    private readonly writes: TxnClient | undefined,
  ) {
    this.kv = client.kv;
  }

  /**
   * Connects to etcd at `endpoints` (e.g. `http://127.0.0.1:2379`), keeping every key under
   * `prefix` (default none). The connection is lazy; the first call fails if etcd is unreachable.
   */
  static connect(endpoints: string[], prefix = ''): EtcdStorage {
    // SKIFF_ETCD_WRITES=etcd3 keeps writes on etcd3 (for A/B measurements).
    const lean = TxnClient.supports(endpoints) && process.env.SKIFF_ETCD_WRITES !== 'etcd3';
    return new EtcdStorage(new Etcd3({ hosts: endpoints, dialTimeout: 5000 }), prefix, lean ? new TxnClient(endpoints[0]!) : undefined);
  }

  async currentRevision(): Promise<number> {
    const res = await this.kv.range({ key: ALL, count_only: true, limit: 1 });
    return Number(res.header.revision);
  }

  /**
   * etcd does not report its compact revision through the KV API (Kubernetes keeps its own
   * `compact_rev_key` for this). A read at revision r fails exactly when r < compact revision, so
   * the compact revision is the oldest readable revision: found by a check of the last known value
   * and, only if compaction moved on, a binary search.
   */
  async compactRevision(): Promise<number> {
    const current = await this.currentRevision();
    const known = Math.max(this.knownCompact, 1);
    if (known > current || (await this.readable(known))) return this.knownCompact;
    let lo = known + 1;
    let hi = current;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (await this.readable(mid)) hi = mid;
      else lo = mid + 1;
    }
    this.knownCompact = lo;
    return lo;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    const res = await this.kv.range({ key: this.encode(key) });
    const kv = res.kvs[0];
    return kv ? this.decode(kv) : undefined;
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    const full = this.encode(prefix);
    const start = this.encode(rangeStart(prefix, options.startKey));
    const req: IRangeRequest = {
      key: start.length > 0 ? start : ALL,
      range_end: full.length > 0 ? prefixRangeEnd(full) : ALL,
      limit: options.limit || 0,
      revision: options.revision || 0,
    };
    try {
      const res = await this.kv.range(req);
      const revision = options.revision || Number(res.header.revision);
      return { items: res.kvs.map((kv) => this.decode(kv)), revision, more: res.more };
    } catch (err) {
      throw await this.mapRevisionError(err, options.revision || 0);
    }
  }

  async create(key: string, value: string): Promise<number> {
    const k = this.encode(key);
    if (this.writes) {
      const res = await this.writes.txn(encodeCreate(k, Buffer.from(value)));
      if (!res.succeeded) throw new KeyExistsError(key);
      return res.revision;
    }
    const res = await this.kv.txn({
      compare: [{ key: k, target: 'Create', result: 'Equal', create_revision: 0 }],
      success: [{ request_put: { key: k, value: Buffer.from(value) } }],
    });
    if (!res.succeeded) throw new KeyExistsError(key);
    return Number(res.header.revision);
  }

  async update(key: string, value: string, expectedRevision: number): Promise<number> {
    const k = this.encode(key);
    if (this.writes) {
      const res = await this.writes.txn(encodeUpdate(k, Buffer.from(value), expectedRevision));
      if (!res.succeeded) this.throwFailedWireGuard(key, res.kv);
      return res.revision;
    }
    const res = await this.kv.txn({
      compare: [
        // create_revision > 0 keeps a missing key (mod_revision 0) from matching expectedRevision 0.
        { key: k, target: 'Create', result: 'Greater', create_revision: 0 },
        { key: k, target: 'Mod', result: 'Equal', mod_revision: expectedRevision },
      ],
      success: [{ request_put: { key: k, value: Buffer.from(value) } }],
      failure: [{ request_range: { key: k } }],
    });
    if (!res.succeeded) this.throwFailedGuard(key, res.responses[0]?.response_range.kvs[0]);
    return Number(res.header.revision);
  }

  async delete(key: string, expectedRevision?: number): Promise<{ revision: number; prev: KeyValue }> {
    const k = this.encode(key);
    if (this.writes) {
      const res = await this.writes.txn(encodeDelete(k, expectedRevision));
      if (!res.succeeded) this.throwFailedWireGuard(key, res.kv);
      if (!res.kv) throw new Error(`etcd delete of ${key} returned no previous value`);
      return { revision: res.revision, prev: this.decodeWire(res.kv) };
    }
    const compare: ICompare[] = [{ key: k, target: 'Create', result: 'Greater', create_revision: 0 }];
    if (expectedRevision !== undefined) {
      compare.push({ key: k, target: 'Mod', result: 'Equal', mod_revision: expectedRevision });
    }
    const res = await this.kv.txn({
      compare,
      success: [{ request_delete_range: { key: k, prev_kv: true } }],
      failure: [{ request_range: { key: k } }],
    });
    if (!res.succeeded) this.throwFailedGuard(key, res.responses[0]?.response_range.kvs[0]);
    const prev = res.responses[0]!.response_delete_range.prev_kvs[0]!;
    return { revision: Number(res.header.revision), prev: this.decode(prev) };
  }

  watch(prefix: string, afterRevision: number, callbacks: WatchCallbacks): WatchHandle {
    const full = this.encode(prefix);
    const handle = watchEtcd(this.client, {
      start: full.length > 0 ? full : ALL,
      end: full.length > 0 ? prefixRangeEnd(full) : ALL,
      afterRevision,
      decode: (kv) => this.decode(kv),
      mapError: (err) => this.mapRevisionError(err, afterRevision, true),
      callbacks,
      onEnd: (h) => this.watches.delete(h),
    });
    this.watches.add(handle);
    return handle;
  }

  async compact(revision: number): Promise<void> {
    try {
      // physical: wait until the compaction is applied, so reads right after it see it.
      await this.kv.compact({ revision, physical: true });
      this.knownCompact = Math.max(this.knownCompact, revision);
    } catch (err) {
      if (isCompactedError(err)) return; // already compacted at or past `revision`: idempotent
      if (isFutureRevisionError(err)) throw new FutureRevisionError(revision, await this.currentRevision());
      throw err;
    }
  }

  async close(): Promise<void> {
    // Detach watchers first: the client would otherwise keep trying to re-establish their stream.
    const stopping = [...this.watches].map((w) => w.stop());
    await Promise.race([Promise.all(stopping), new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    this.client.close();
    this.writes?.close();
  }

  private throwFailedGuard(key: string, actual: IKeyValue | undefined): never {
    if (!actual) throw new KeyNotFoundError(key);
    throw new RevisionMismatchError(key, this.decode(actual));
  }

  private throwFailedWireGuard(key: string, actual: WireKeyValue | undefined): never {
    if (!actual) throw new KeyNotFoundError(key);
    throw new RevisionMismatchError(key, this.decodeWire(actual));
  }

  /** Turns etcd's ErrCompacted / ErrFutureRev (or a cancelled watch) into the storage errors. */
  private async mapRevisionError(err: unknown, requested: number, watchCancelled = false): Promise<Error> {
    if (isFutureRevisionError(err)) return new FutureRevisionError(requested, await this.currentRevision());
    if (isCompactedError(err) || watchCancelled) {
      const compacted = await this.compactRevision();
      if (requested < compacted) return new CompactedError(requested, compacted);
    }
    return err instanceof Error ? err : new Error(String(err));
  }

  private async readable(revision: number): Promise<boolean> {
    try {
      await this.kv.range({ key: ALL, revision, count_only: true, limit: 1 });
      return true;
    } catch (err) {
      if (isCompactedError(err)) return false;
      throw err;
    }
  }

  private encode(key: string): Buffer {
    return Buffer.from(this.prefix + key);
  }

  private decodeWire(kv: WireKeyValue): KeyValue {
    return {
      key: kv.key.toString().slice(this.prefix.length),
      value: kv.value.toString(),
      createRevision: kv.createRevision,
      modRevision: kv.modRevision,
    };
  }

  private decode(kv: IKeyValue): KeyValue {
    return {
      key: kv.key.toString().slice(this.prefix.length),
      value: kv.value.toString(),
      createRevision: Number(kv.create_revision),
      modRevision: Number(kv.mod_revision),
    };
  }
}
