/**
 * Messages between the SQLite store on the main thread and its writer (a worker thread that owns the
 * write connection). Everything here is plain data so it survives structured cloning.
 */
import type { KeyValue, WatchEvent } from '../interface.ts';

/** One write of a batch; the writer checks its precondition against everything committed before it. */
export type WriteOp =
  | { op: 'create'; key: string; value: string }
  | { op: 'update'; key: string; value: string; expectedRevision: number }
  | { op: 'delete'; key: string; expectedRevision?: number };

/**
 * The outcome of one write. A success carries the key's createRevision and the value it replaced
 * (update, delete), which is all the main thread needs to build the watch event, so new values are
 * never copied back across the thread boundary. A failed precondition carries what the main thread needs to rebuild the
 * typed error: KeyExistsError / KeyNotFoundError from the key, RevisionMismatchError from `actual`.
 */
export type WriteResult =
  | { ok: true; revision: number; createRevision: number; prev?: KeyValue }
  | { ok: false; error: 'exists' | 'notFound' }
  | { ok: false; error: 'mismatch'; actual: KeyValue };

/** Requests the main thread posts to the writer. `id` pairs a request with its reply. */
export type WriterRequest =
  | { type: 'batch'; id: number; ops: WriteOp[] }
  | { type: 'compact'; id: number; revision: number }
  | { type: 'close'; id: number };

/** A serialisable error (the writer's transaction failed as a whole, e.g. disk full or a bad value). */
export interface WireError {
  name: string;
  message: string;
}

/** Replies from the writer, one per request. */
export type WriterReply =
  | {
      type: 'batch';
      id: number;
      ok: true;
      /** The newest revision after the batch committed (unchanged when every write failed). */
      revision: number;
      /** One result per op, in order (successful ones have increasing revisions). */
      results: WriteResult[];
    }
  | { type: 'batch'; id: number; ok: false; error: WireError }
  | { type: 'compact'; id: number; error?: WireError }
  | { type: 'close'; id: number };

/** Turns any thrown value into a {@link WireError}. */
export function toWireError(err: unknown): WireError {
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: 'Error', message: String(err) };
}

/** Rebuilds an Error from a {@link WireError}, keeping its name and message. */
export function fromWireError(wire: WireError): Error {
  const err = new Error(wire.message);
  err.name = wire.name;
  return err;
}

/**
 * The watch event of a successful write, rebuilt from the request and the writer's result: PUT with
 * prevKv for an update, DELETE whose kv keeps the last value (as kine and etcd report it).
 */
export function eventOf(op: WriteOp, result: Extract<WriteResult, { ok: true }>): WatchEvent {
  const { revision, createRevision, prev } = result;
  if (op.op === 'delete') {
    return { type: 'DELETE', kv: { key: op.key, value: prev!.value, createRevision, modRevision: revision }, prevKv: prev! };
  }
  const event: WatchEvent = { type: 'PUT', kv: { key: op.key, value: op.value, createRevision, modRevision: revision } };
  if (prev) event.prevKv = prev;
  return event;
}
