/**
 * One priority level of API Priority and Fairness: a number of seats (requests executing at once)
 * and, behind them, one FIFO queue per flow served round robin, so that a flow that floods the
 * level waits behind itself and another flow's request gets one of the next free seats. Kubernetes
 * approximates this with shuffle-sharded queues and virtual finish times; with the handful of
 * flows a skiff server has (one per component, per node user, per namespace), a queue per flow is
 * exact fair queuing for requests of equal width, and simpler.
 */
import { StatusError } from '../../api/errors.ts';

/** Limits of one priority level. */
export interface PriorityLevelLimits {
  /** Requests of this level executing at once (Kubernetes' nominal concurrency limit, in seats). */
  seats: number;
  /**
   * Requests one flow may have waiting. In Kubernetes a lone flow can fill its hand of queues:
   * handSize (6) x queueLengthLimit (50) = 300 for most levels.
   */
  maxQueuedPerFlow: number;
}

/** Gives the seat back; call exactly once when the request has finished. */
export type Release = () => void;

interface Waiter {
  grant: (release: Release) => void;
  /** Ends the wait without a seat (the client went away), so the waiting handler can finish. */
  abandon: (err: Error) => void;
  /** Whether the client went away while it waited (its seat then goes to the next request). */
  gone: () => boolean;
}

/** The 429 that Kubernetes answers when a request cannot be queued (Retry-After: 1 s). */
export function tooManyRequests(): StatusError {
  return new StatusError(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds: 1 });
}

/** Seats and per-flow queues of one priority level. */
export class PriorityLevel {
  private executing = 0;
  /** Waiting requests by flow; a flow is in `turns` exactly while its queue is not empty. */
  private readonly queues = new Map<string, Waiter[]>();
  /** Flows with waiting requests, in the order they get the next seats (round robin). */
  private turns: string[] = [];
  private turn = 0;

  constructor(
    readonly name: string,
    private readonly limits: PriorityLevelLimits,
  ) {}

  /** Requests executing now. */
  get inFlight(): number {
    return this.executing;
  }

  /** Requests waiting now, over all flows. */
  get waiting(): number {
    let n = 0;
    for (const queue of this.queues.values()) n += queue.length;
    return n;
  }

  /**
   * A seat for a request of `flow`: at once while seats are free and nobody waits, else after the
   * requests ahead of it in its flow's queue and one turn of every other waiting flow. Throws 429
   * when the flow's queue is full. `gone` is asked before a waiting request is given its seat.
   */
  acquire(flow: string, gone: () => boolean = () => false): Release | Promise<Release> {
    if (this.executing < this.limits.seats && this.turns.length === 0) return this.seat();
    let queue = this.queues.get(flow);
    if (queue && queue.length >= this.limits.maxQueuedPerFlow) throw tooManyRequests();
    if (!queue) {
      queue = [];
      this.queues.set(flow, queue);
      this.turns.push(flow);
    }
    const waiting = queue;
    return new Promise<Release>((grant, abandon) => waiting.push({ grant, abandon, gone }));
  }

  private seat(): Release {
    this.executing++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.executing--;
      this.dispatch();
    };
  }

  /** Gives free seats to the waiting flows, one request per flow per round. */
  private dispatch(): void {
    while (this.executing < this.limits.seats && this.turns.length > 0) {
      if (this.turn >= this.turns.length) this.turn = 0;
      const flow = this.turns[this.turn]!;
      const queue = this.queues.get(flow)!;
      const next = queue.shift()!;
      if (queue.length === 0) {
        this.queues.delete(flow);
        this.turns.splice(this.turn, 1);
      } else {
        this.turn++;
      }
      if (next.gone()) next.abandon(tooManyRequests()); // nobody reads this answer
      else next.grant(this.seat());
    }
  }
}
