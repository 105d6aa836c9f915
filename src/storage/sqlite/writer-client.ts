/**
 * The main-thread half of the SQLite write path: group commit with pipelining. Writes submitted in
 * one event-loop turn form a batch that is posted to the writer as one transaction (one fsync).
 * While a batch is in flight the next one accumulates, so under load batches grow instead of
 * queueing behind each other, and the event loop keeps serving requests during the fsync.
 */
import { KeyExistsError, KeyNotFoundError, RevisionMismatchError, type KeyValue, type WatchEvent } from '../interface.ts';
import type { ChannelListener, WriterChannel } from './writer-channel.ts';
import { eventOf, fromWireError, type WriteOp, type WriteResult, type WriterReply } from './writer-protocol.ts';

/** Batches posted but not yet answered; one keeps batches large while the previous one syncs. */
const MAX_IN_FLIGHT = 1;

/** A successful write: its revision, and for deletes the value it removed. */
export interface WriteOutcome {
  revision: number;
  prev?: KeyValue;
}

interface Job {
  op: WriteOp;
  resolve: (outcome: WriteOutcome) => void;
  reject: (err: Error) => void;
}

type Waiter = { resolve: () => void; reject: (err: Error) => void };

/** Rebuilds the typed precondition error of a failed write. */
function preconditionError(op: WriteOp, result: Exclude<WriteResult, { ok: true }>): Error {
  if (result.error === 'mismatch') return new RevisionMismatchError(op.key, result.actual);
  return result.error === 'exists' ? new KeyExistsError(op.key) : new KeyNotFoundError(op.key);
}

/** Submits writes, compactions and close to the writer and settles them from its replies. */
export class WriterClient implements ChannelListener {
  private readonly channel: WriterChannel;
  private queue: Job[] = [];
  private scheduled = false;
  private readonly batchesInFlight = new Map<number, Job[]>();
  private readonly waiters = new Map<number, Waiter>();
  private readonly drainWaiters: (() => void)[] = [];
  private nextId = 1;
  private failure: Error | undefined;
  /** Transactions committed so far (for tests and metrics). */
  batches = 0;

  /**
   * `committed` runs for every committed batch with its newest revision and events, before any of
   * its writers' promises settle, so a caller that sees its revision also sees it published.
   */
  constructor(
    openChannel: (listener: ChannelListener) => WriterChannel,
    private readonly committed: (revision: number, events: WatchEvent[]) => void,
  ) {
    this.channel = openChannel(this);
  }

  /** Queues one write for the next batch; settles with its own outcome once the batch commits. */
  submit(op: WriteOp): Promise<WriteOutcome> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<WriteOutcome>((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      this.schedule();
    });
  }

  /** Compacts history up to `revision` in the writer (window by window, between batches). */
  compact(revision: number): Promise<void> {
    return this.request((id) => ({ type: 'compact', id, revision }));
  }

  /** Commits everything queued, waits for it, then closes the writer. */
  async close(): Promise<void> {
    while (!this.failure && (this.queue.length > 0 || this.batchesInFlight.size > 0)) {
      await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
    }
    if (!this.failure) await this.request((id) => ({ type: 'close', id }));
    await this.channel.terminate();
  }

  /** @internal Writer reply dispatch (ChannelListener). */
  reply(msg: WriterReply): void {
    if (msg.type === 'batch') this.settleBatch(msg);
    else {
      const waiter = this.waiters.get(msg.id);
      this.waiters.delete(msg.id);
      if (msg.type === 'compact' && msg.error) waiter?.reject(fromWireError(msg.error));
      else waiter?.resolve();
    }
    this.updateBusy();
  }

  /** @internal The writer died: everything outstanding fails, and so does everything after. */
  failed(err: Error): void {
    this.failure ??= err;
    const jobs = [...this.queue, ...[...this.batchesInFlight.values()].flat()];
    this.queue = [];
    this.batchesInFlight.clear();
    for (const job of jobs) job.reject(err);
    for (const waiter of this.waiters.values()) waiter.reject(err);
    this.waiters.clear();
    this.drain();
    this.updateBusy();
  }

  private schedule(): void {
    if (this.scheduled || this.batchesInFlight.size >= MAX_IN_FLIGHT) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    if (this.queue.length === 0 || this.failure) return;
    const jobs = this.queue;
    this.queue = [];
    const id = this.nextId++;
    this.batchesInFlight.set(id, jobs);
    this.channel.send({ type: 'batch', id, ops: jobs.map((job) => job.op) });
    this.updateBusy();
  }

  private settleBatch(msg: Extract<WriterReply, { type: 'batch' }>): void {
    const jobs = this.batchesInFlight.get(msg.id);
    if (!jobs) return;
    this.batchesInFlight.delete(msg.id);
    if (msg.ok) {
      this.batches++;
      const events: WatchEvent[] = [];
      jobs.forEach((job, i) => {
        const result = msg.results[i]!;
        if (result.ok) events.push(eventOf(job.op, result));
      });
      this.committed(msg.revision, events);
      jobs.forEach((job, i) => {
        const result = msg.results[i]!;
        if (!result.ok) job.reject(preconditionError(job.op, result));
        else if (job.op.op === 'delete') job.resolve({ revision: result.revision, prev: result.prev! });
        else job.resolve({ revision: result.revision });
      });
    } else {
      const err = fromWireError(msg.error);
      for (const job of jobs) job.reject(err);
    }
    // Writes that queued up during the flight go out as the next batch (with this turn's arrivals).
    if (this.queue.length > 0) this.schedule();
    this.drain();
  }

  private request(build: (id: number) => Parameters<WriterChannel['send']>[0]): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const done = new Promise<void>((resolve, reject) => this.waiters.set(id, { resolve, reject }));
    this.channel.send(build(id));
    this.updateBusy();
    return done;
  }

  private drain(): void {
    if (this.queue.length > 0 && !this.failure) return;
    if (this.batchesInFlight.size > 0) return;
    for (const resolve of this.drainWaiters.splice(0)) resolve();
  }

  private updateBusy(): void {
    this.channel.setBusy(this.batchesInFlight.size > 0 || this.waiters.size > 0);
  }
}
