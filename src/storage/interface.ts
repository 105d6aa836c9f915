/**
 * The revisioned key-value store every backend implements (SQLite, etcd, memory), modelled on the
 * subset of etcd v3 that the API server needs, the same surface kine offers.
 *
 * Revisions: one global, strictly increasing counter. Every successful create, update or delete
 * takes the next revision and stamps it as the key's `modRevision`. A key's `createRevision` is the
 * revision that created it. The API server exposes revisions as `metadata.resourceVersion`.
 */

/** One stored key at one revision. Values are UTF-8 text (JSON objects, in practice). */
export interface KeyValue {
  key: string;
  value: string;
  createRevision: number;
  modRevision: number;
}

export type WatchEventType = 'PUT' | 'DELETE';

/** A change to a key. For DELETE, `kv.value` holds the last value and `kv.modRevision` the deletion's revision. */
export interface WatchEvent {
  type: WatchEventType;
  kv: KeyValue;
  /** The value before this change; absent for the first PUT of a key. */
  prevKv?: KeyValue;
}

export interface ListOptions {
  /** Read as of this revision (0 or absent: the current revision). Older than the compact revision: CompactedError. */
  revision?: number;
  /** At most this many items (0 or absent: all). */
  limit?: number;
  /** Start from this key, inclusive (for continuation). Keys are returned in byte order. */
  startKey?: string;
}

export interface ListResult {
  items: KeyValue[];
  /** The revision the list was read at. */
  revision: number;
  /** True when more keys under the prefix follow the last returned item. */
  more: boolean;
}

/** Stops a watch. Idempotent. */
export interface WatchHandle {
  cancel(): void;
}

export interface WatchCallbacks {
  /** Events in revision order, grouped per committed transaction. */
  onEvents(events: WatchEvent[]): void;
  /** Terminal error (CompactedError when the start revision is compacted); no events follow. */
  onError?(err: Error): void;
}

export interface Storage {
  /** The latest revision committed. */
  currentRevision(): Promise<number>;
  /** The newest revision that has been compacted away (0 if none). */
  compactRevision(): Promise<number>;
  get(key: string): Promise<KeyValue | undefined>;
  /** Keys starting with `prefix`, in key order. */
  list(prefix: string, options?: ListOptions): Promise<ListResult>;
  /** Creates `key`; KeyExistsError if it exists. Returns the new revision. */
  create(key: string, value: string): Promise<number>;
  /**
   * Replaces `key` if its modRevision equals `expectedRevision`. RevisionMismatchError if it differs,
   * KeyNotFoundError if missing. Returns the new revision.
   */
  update(key: string, value: string, expectedRevision: number): Promise<number>;
  /**
   * Deletes `key`, optionally only at `expectedRevision` (RevisionMismatchError otherwise).
   * KeyNotFoundError if missing. Returns the deletion's revision and the deleted value.
   */
  delete(key: string, expectedRevision?: number): Promise<{ revision: number; prev: KeyValue }>;
  /**
   * Streams changes to keys starting with `prefix` that happen after `afterRevision` (events with
   * revision > afterRevision). If afterRevision is older than the compact revision the watch fails
   * with CompactedError through onError.
   */
  watch(prefix: string, afterRevision: number, callbacks: WatchCallbacks): WatchHandle;
  /** Drops history older than `revision` (current values are kept). */
  compact(revision: number): Promise<void>;
  close(): Promise<void>;
}

export class KeyExistsError extends Error {
  constructor(readonly key: string) {
    super(`key exists: ${key}`);
    this.name = 'KeyExistsError';
  }
}

export class KeyNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`key not found: ${key}`);
    this.name = 'KeyNotFoundError';
  }
}

export class RevisionMismatchError extends Error {
  constructor(
    readonly key: string,
    readonly actual: KeyValue,
  ) {
    super(`revision mismatch on ${key}: now at ${actual.modRevision}`);
    this.name = 'RevisionMismatchError';
  }
}

export class CompactedError extends Error {
  constructor(
    readonly requested: number,
    readonly compacted: number,
  ) {
    super(`required revision ${requested} has been compacted (compact revision ${compacted})`);
    this.name = 'CompactedError';
  }
}
