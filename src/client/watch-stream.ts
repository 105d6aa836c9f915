import type { Status } from '../api/errors.ts';
import type { KubeObject } from '../api/object.ts';
import { statusErrorFromStatus } from './status.ts';

/** The event types a Kubernetes watch delivers to its consumer (ERROR is thrown, see WatchStream). */
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

/** One watch event. BOOKMARK objects carry only `kind`, `apiVersion` and `metadata.resourceVersion`. */
export interface WatchEvent<T extends KubeObject = KubeObject> {
  type: WatchEventType;
  object: T;
}

/** The byte stream a watch reads from (an HTTP/2 stream in practice, any Readable in tests). */
export interface WatchSource {
  on(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  on(event: 'end' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  pause(): unknown;
  resume(): unknown;
}

/** Past this many undelivered events the stream stops reading, so a slow consumer holds back the server (HTTP/2 flow control). */
const HIGH_WATER = 1000;

/**
 * A running watch: an async iterator of newline-delimited JSON events. An ERROR event (a Status,
 * e.g. 410 Expired when the resourceVersion is too old) is thrown from the iterator as a
 * StatusError and ends it; a broken connection is thrown as the transport error. The iterator ends
 * normally when the server closes the watch (its timeout), after which clients re-watch from the
 * last resourceVersion they saw. `close()` ends it from the consumer's side and is idempotent.
 */
export class WatchStream<T extends KubeObject = KubeObject> implements AsyncIterable<WatchEvent<T>> {
  private readonly queue: WatchEvent<T>[] = [];
  private pending = '';
  private failure?: Error;
  private ended = false;
  private closed = false;
  private paused = false;
  private wake?: () => void;

  constructor(
    private readonly source: WatchSource,
    private readonly cancel: () => void,
  ) {
    source.on('data', (chunk) => this.onData(typeof chunk === 'string' ? chunk : chunk.toString('utf8')));
    source.on('end', () => this.finish());
    source.on('close', () => this.finish());
    source.on('error', (err) => this.finish(err));
  }

  /** Stops the watch and releases its stream; a pending `next()` resolves as done. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.ended = true;
    this.cancel();
    this.notify();
  }

  /** Whether the watch has ended (closed, finished by the server, or failed). */
  get done(): boolean {
    return this.ended && this.queue.length === 0;
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchEvent<T>> {
    return {
      next: () => this.next(),
      return: async () => {
        this.close();
        return { done: true, value: undefined };
      },
    };
  }

  private async next(): Promise<IteratorResult<WatchEvent<T>>> {
    for (;;) {
      const event = this.queue.shift();
      if (event) {
        if (this.paused && this.queue.length < HIGH_WATER / 2) {
          this.paused = false;
          this.source.resume();
        }
        return { done: false, value: event };
      }
      if (this.failure) {
        const failure = this.failure;
        this.failure = undefined;
        this.close();
        throw failure;
      }
      if (this.ended) return { done: true, value: undefined };
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private onData(text: string): void {
    if (this.ended) return;
    this.pending += text;
    let newline = this.pending.indexOf('\n');
    while (newline >= 0) {
      const line = this.pending.slice(0, newline).trim();
      this.pending = this.pending.slice(newline + 1);
      if (line) this.onLine(line);
      if (this.ended) return;
      newline = this.pending.indexOf('\n');
    }
    if (this.queue.length >= HIGH_WATER && !this.paused) {
      this.paused = true;
      this.source.pause();
    }
    this.notify();
  }

  private onLine(line: string): void {
    let event: { type?: string; object?: unknown };
    try {
      event = JSON.parse(line) as { type?: string; object?: unknown };
    } catch {
      this.finish(new Error(`malformed watch event: ${line.slice(0, 200)}`));
      return;
    }
    if (event.type === 'ERROR') {
      // Kubernetes ends a watch with one ERROR event whose object is a Status (410 Expired for an old RV).
      this.finish(statusErrorFromStatus(event.object as Status));
      return;
    }
    if (event.type === 'ADDED' || event.type === 'MODIFIED' || event.type === 'DELETED' || event.type === 'BOOKMARK') {
      this.queue.push({ type: event.type, object: event.object as T });
    }
  }

  private finish(err?: Error): void {
    if (this.ended) return;
    const rest = this.pending.trim();
    this.pending = '';
    if (rest && !err) this.onLine(rest);
    if (this.ended) return;
    this.ended = true;
    if (err && !this.closed) this.failure = err;
    this.cancel();
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
