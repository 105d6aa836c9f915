/**
 * One storage watch on top of an etcd watch (with prevKv). The `etcd3` client re-establishes the
 * watch after a disconnect from the last revision it saw, so the stream has no gaps; this adapter
 * only converts events, drops anything at or below the requested revision, and maps cancellation.
 */
import type { Etcd3, IEvent, IKeyValue, IWatchResponse } from 'etcd3';
import type { KeyValue, WatchCallbacks, WatchEvent, WatchHandle } from '../interface.ts';

/** What {@link watchEtcd} needs from the store. */
export interface EtcdWatchSpec {
  /** Byte range [start, end) of full etcd keys to watch. */
  start: Buffer;
  end: Buffer;
  /** Only events with revision > afterRevision are delivered. */
  afterRevision: number;
  /** Converts an etcd key-value to a storage one (strips the store prefix). */
  decode(kv: IKeyValue): KeyValue;
  /** Maps the error of a cancelled watch (e.g. to CompactedError). */
  mapError(err: unknown): Promise<Error>;
  callbacks: WatchCallbacks;
  /** Called once when the watch ends (cancelled or failed), so the store can forget it. */
  onEnd(handle: EtcdWatch): void;
}

/** A running etcd-backed watch. */
export interface EtcdWatch extends WatchHandle {
  /** Cancels and resolves once the etcd client has detached the watcher (used by close()). */
  stop(): Promise<void>;
}

function toEvent(ev: IEvent, decode: (kv: IKeyValue) => KeyValue): WatchEvent {
  const prevKv = ev.prev_kv ? decode(ev.prev_kv) : undefined;
  if (ev.type === 'Delete') {
    // etcd's DELETE carries only key and revision; the interface wants the last value, from prevKv.
    const kv: KeyValue = {
      key: decode(ev.kv).key,
      value: prevKv?.value ?? '',
      createRevision: prevKv?.createRevision ?? 0,
      modRevision: Number(ev.kv.mod_revision),
    };
    return prevKv ? { type: 'DELETE', kv, prevKv } : { type: 'DELETE', kv };
  }
  const kv = decode(ev.kv);
  return prevKv ? { type: 'PUT', kv, prevKv } : { type: 'PUT', kv };
}

/**
 * Starts the watch and returns its handle. Events arrive one etcd watch response per `onEvents`
 * call: whole transactions, in revision order. A cancelled watch ends with one `onError`.
 */
export function watchEtcd(client: Etcd3, spec: EtcdWatchSpec): EtcdWatch {
  const { callbacks, afterRevision } = spec;
  // Start at afterRevision, not afterRevision + 1: etcd refuses a start revision below its compact
  // revision, so this makes it refuse exactly when afterRevision < compact revision (the storage
  // contract). The events at afterRevision itself are then dropped below.
  const watcher = client
    .watch()
    .inRange({ start: spec.start, end: spec.end })
    .withPreviousKV()
    .startRevision(String(Math.max(afterRevision, 1)))
    .watcher();
  let last = afterRevision;
  let done = false;
  let detached: Promise<void> = Promise.resolve();
  const handle: EtcdWatch = {
    cancel(): void {
      void handle.stop();
    },
    stop(): Promise<void> {
      if (done) return detached;
      done = true;
      detached = watcher.cancel().catch(() => {});
      spec.onEnd(handle);
      return detached;
    },
  };

  const fail = (err: unknown, mapped: boolean): void => {
    if (done) return;
    done = true;
    spec.onEnd(handle);
    const report = (e: Error) => callbacks.onError?.(e);
    if (mapped) report(err instanceof Error ? err : new Error(String(err)));
    else spec.mapError(err).then(report, () => report(err instanceof Error ? err : new Error(String(err))));
  };

  watcher.on('data', (res: IWatchResponse) => {
    if (done || !res.events || res.events.length === 0) return; // progress notifications carry no events
    const events: WatchEvent[] = [];
    for (const ev of res.events) {
      const event = toEvent(ev, spec.decode);
      if (event.kv.modRevision > last) events.push(event);
    }
    if (events.length === 0) return;
    last = events[events.length - 1]!.kv.modRevision;
    try {
      callbacks.onEvents(events);
    } catch (err) {
      // A throwing consumer ends its own watch, as with the in-process backends.
      detached = watcher.cancel().catch(() => {});
      fail(err, true);
    }
  });
  // The client emits 'error' once etcd cancels the watch (compaction); it has already detached it.
  watcher.on('error', (err: Error) => fail(err, false));

  return handle;
}
