/**
 * Group commit: writes submitted during one event-loop turn are applied in a single SQLite
 * transaction at `setImmediate`, so N concurrent writers pay for one fsync instead of N. Each write
 * is still checked on its own against the state left by the writes before it in the batch, and
 * settles with its own outcome; a write that fails its precondition does not affect the others.
 */
import type Database from 'better-sqlite3';
import { KeyExistsError, KeyNotFoundError, RevisionMismatchError } from '../interface.ts';

/** Hooks around each batch, used by the store to track revisions and publish watch events. */
export interface BatchHooks {
  /** Runs inside the transaction before the first write. */
  begin(): void;
  /** Runs after the transaction committed durably, before the writers' promises settle. */
  committed(): void;
  /** Runs after the transaction rolled back (e.g. disk full); every write in it is rejected. */
  aborted(): void;
}

interface Job {
  apply: () => unknown;
  resolve: (value: never) => void;
  reject: (err: unknown) => void;
}

/** An expected, per-write failure: it rejects only that write, the batch goes on. */
function isPreconditionFailure(err: unknown): boolean {
  return err instanceof KeyExistsError || err instanceof KeyNotFoundError || err instanceof RevisionMismatchError;
}

/** Queues writes and commits them in batches, one transaction (one fsync) per batch. */
export class GroupCommit {
  private queue: Job[] = [];
  private scheduled = false;
  /** Number of transactions committed (for tests and metrics). */
  batches = 0;

  constructor(
    private readonly db: Database.Database,
    private readonly hooks: BatchHooks,
  ) {}

  /**
   * Queues `apply` to run inside the next batch transaction. It must either make its changes and
   * return, or throw a precondition error (KeyExists, KeyNotFound, RevisionMismatch) before
   * changing anything; any other throw aborts the whole batch.
   */
  submit<T>(apply: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ apply, resolve: resolve as (value: never) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits everything queued now (also used on close so no acknowledged-pending write is lost). */
  flush(): void {
    this.scheduled = false;
    const jobs = this.queue;
    this.queue = [];
    if (jobs.length === 0) return;
    const outcomes: { ok: boolean; value: unknown }[] = [];
    try {
      this.db.transaction(() => {
        this.hooks.begin();
        for (const job of jobs) outcomes.push(this.run(job));
      })();
    } catch (err) {
      this.hooks.aborted();
      for (const job of jobs) job.reject(err);
      return;
    }
    this.batches++;
    this.hooks.committed();
    jobs.forEach((job, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) job.resolve(outcome.value as never);
      else job.reject(outcome.value);
    });
  }

  private run(job: Job): { ok: boolean; value: unknown } {
    try {
      return { ok: true, value: job.apply() };
    } catch (err) {
      if (isPreconditionFailure(err)) return { ok: false, value: err };
      throw err;
    }
  }
}
