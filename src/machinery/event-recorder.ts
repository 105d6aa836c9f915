import type { KubeObject } from '../api/object.ts';
import { nowTimestamp } from '../api/object.ts';
import { findResource } from '../api/registry.ts';
import type { KubeClient } from '../client/interface.ts';

/** The two event types Kubernetes uses. */
export type EventType = 'Normal' | 'Warning';

/**
 * Records Events about objects (client-go's record.EventRecorder). Recording never fails the
 * caller: writes happen in the background and errors are only logged.
 */
export interface EventRecorder {
  event(object: KubeObject, type: EventType, reason: string, message: string): void;
  /**
   * A hint that the component is in a burst of the writes it exists for (the scheduler binding a
   * backlog): event writes then trickle, one at a time, and catch up once it is no longer busy.
   */
  setBusy?(busy: boolean): void;
}

/** Who emits the events: core/v1 `source` (and reportingController/reportingInstance). */
export interface EventSource {
  component: string;
  host?: string;
}

/** core/v1 Event as written by the recorder. */
export interface CoreEvent extends KubeObject {
  involvedObject: { kind?: string; namespace?: string; name?: string; uid?: string; apiVersion?: string; resourceVersion?: string; fieldPath?: string };
  reason: string;
  message: string;
  type: EventType;
  source: EventSource;
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
  reportingComponent: string;
  reportingInstance: string;
}

const EVENTS = findResource('', 'v1', 'events')!;
/** client-go's correlator remembers this many distinct events (its LRU cache size). */
const CACHE_SIZE = 4096;

/** How event writes share the API with the component's real work. */
export interface EventWriteOptions {
  /** Event writes in flight at most (default 16; each waits for a storage commit, so a few in flight keep up with bursts). */
  maxInFlight?: number;
  /** Events waiting to be written at most (default 10,000); beyond that new events are dropped, as client-go's broadcaster drops when its queue is full. */
  maxQueued?: number;
}

interface Seen {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
  chain: Promise<void>;
}

/**
 * Writes core/v1 Events through the API as client-go's recorder does: name `<object>.<hex ns
 * timestamp>`, in the object's namespace (`default` for cluster-scoped objects), count 1, first and
 * last timestamp now. An identical event (same object, type, reason, message and source) seen again
 * bumps `count` and `lastTimestamp` of the existing Event with a patch instead of creating a new
 * one, the event correlator's dedupe (its similar-event aggregation and spam filter are left out).
 * Writes go through a small bounded queue: events are best effort and must not crowd out the
 * writes the component exists for (a burst of 10,000 bindings would otherwise send 10,000 event
 * creates at once); like client-go's broadcaster, events beyond the queue's bound are dropped.
 */
export class ApiEventRecorder implements EventRecorder {
  private readonly seen = new Map<string, Seen>();
  private readonly pending = new Set<Promise<void>>();
  private sequence = 0;
  private readonly queue: (() => void)[] = [];
  private inFlight = 0;
  private busy = false;
  private dropped = 0;
  private readonly maxInFlight: number;
  private readonly maxQueued: number;

  constructor(
    private readonly client: KubeClient,
    private readonly source: EventSource,
    private readonly log?: (msg: string, extra?: Record<string, unknown>) => void,
    options: EventWriteOptions = {},
  ) {
    this.maxInFlight = options.maxInFlight ?? 16;
    this.maxQueued = options.maxQueued ?? 10_000;
  }

  /** Events dropped so far because the queue was full. */
  get droppedEvents(): number {
    return this.dropped;
  }

  event(object: KubeObject, type: EventType, reason: string, message: string): void {
    if (this.pending.size >= this.maxQueued) {
      // Log the first drop and then every 1,000th, so an overload does not flood the log as well.
      if (this.dropped++ % 1000 === 0) this.log?.('dropping events: too many waiting to be written', { dropped: this.dropped, reason, object: `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}` });
      return;
    }
    const meta = object.metadata ?? {};
    const involvedObject = { kind: object.kind, namespace: meta.namespace, name: meta.name, uid: meta.uid, apiVersion: object.apiVersion, resourceVersion: meta.resourceVersion };
    // NUL cannot occur in any of these fields, so joining with it keeps distinct events distinct.
    const key = [this.source.component, this.source.host, involvedObject.kind, involvedObject.namespace, involvedObject.name, involvedObject.uid, involvedObject.apiVersion, type, reason, message].join('\u0000');
    const now = nowTimestamp();
    let entry = this.seen.get(key);
    if (entry) {
      this.seen.delete(key); // re-insert: the Map's order is the LRU order
      entry.count++;
    } else {
      entry = { name: `${meta.name}.${this.timestampHex()}`, namespace: meta.namespace || 'default', count: 1, firstTimestamp: now, chain: Promise.resolve() };
    }
    this.seen.set(key, entry);
    if (this.seen.size > CACHE_SIZE) this.seen.delete(this.seen.keys().next().value!);
    const event: CoreEvent = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: entry.name, namespace: entry.namespace },
      involvedObject,
      reason,
      message,
      type,
      source: { ...this.source },
      count: entry.count,
      firstTimestamp: entry.firstTimestamp,
      lastTimestamp: now,
      reportingComponent: this.source.component,
      reportingInstance: this.source.host ?? '',
    };
    // Writes for one event key are chained, so a bump never races the create it bumps.
    const write = entry.chain.then(() => this.slot(() => this.write(event)));
    entry.chain = write;
    this.pending.add(write);
    void write.finally(() => this.pending.delete(write));
  }

  /** Resolves once every event recorded so far has been written (or failed); ends a busy period. */
  async flush(): Promise<void> {
    this.setBusy(false);
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** While busy, at most one event write is in flight (the queue still drains, slowly). */
  setBusy(busy: boolean): void {
    this.busy = busy;
    while (this.queue.length && this.inFlight < this.limit()) {
      this.inFlight++;
      this.queue.shift()!();
    }
  }

  private limit(): number {
    return this.busy ? 1 : this.maxInFlight;
  }

  /** Runs `fn` once fewer than the current limit of writes are outstanding (FIFO). */
  private async slot(fn: () => Promise<void>): Promise<void> {
    // A finishing write hands its slot straight to the next waiter, so the bound holds exactly.
    if (this.inFlight >= this.limit()) await new Promise<void>((resolve) => this.queue.push(resolve));
    else this.inFlight++;
    try {
      await fn();
    } finally {
      const next = this.inFlight <= this.limit() ? this.queue.shift() : undefined;
      if (next) next();
      else this.inFlight--;
    }
  }

  private async write(event: CoreEvent): Promise<void> {
    const { name, namespace } = event.metadata;
    try {
      if (event.count > 1) {
        try {
          await this.client.patch(EVENTS, namespace, name!, { count: event.count, lastTimestamp: event.lastTimestamp, message: event.message }, { type: 'strategic' });
          return;
        } catch (err) {
          // The Event was deleted (or expired) meanwhile: create it again, as client-go does.
          if ((err as { code?: number }).code !== 404) throw err;
        }
      }
      await this.client.create(EVENTS, event);
    } catch (err) {
      this.log?.('unable to write event', { reason: event.reason, object: `${namespace}/${event.involvedObject.name}`, error: err instanceof Error ? err.message : String(err) });
    }
  }

  /** client-go names events `<name>.<UnixNano in hex>`; a sequence keeps two events in one ms apart. */
  private timestampHex(): string {
    const nanos = BigInt(Date.now()) * 1_000_000n + BigInt(this.sequence++ % 1_000_000);
    return nanos.toString(16);
  }
}

/**
 * A recorder for tests: keeps `"<type> <reason> <message>"` strings (the format of client-go's
 * FakeRecorder) and the objects they were about.
 */
export class FakeRecorder implements EventRecorder {
  readonly events: string[] = [];
  readonly objects: KubeObject[] = [];

  event(object: KubeObject, type: EventType, reason: string, message: string): void {
    this.events.push(`${type} ${reason} ${message}`);
    this.objects.push(object);
  }
}
