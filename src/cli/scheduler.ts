/**
 * Wiring of the scheduler for `skiff server`: one call that runs kube-scheduler's equivalent
 * against the API, leader-elected through the kube-system/kube-scheduler Lease by default.
 */
import type { KubeClient } from '../client/interface.ts';
import type { SharedInformerFactory } from '../machinery/informer-factory.ts';
import { runLeaderElectedScheduler, type LeaderElectedSchedulerOptions } from '../scheduler/leader.ts';
import { Scheduler } from '../scheduler/scheduler.ts';

/** Options of startScheduler beyond the scheduler's own. */
export interface StartSchedulerOptions extends LeaderElectedSchedulerOptions {
  /** Compete for the Lease before scheduling (kube-scheduler's --leader-elect, default true). */
  leaderElect?: boolean;
}

/**
 * Starts the scheduler in the background and returns at once; it stops when `signal` aborts. The
 * returned `done` resolves once it has stopped (outstanding binds finished). The factory may be
 * shared with other components; it is started if it was not yet.
 */
export async function startScheduler(client: KubeClient, factory: SharedInformerFactory, signal: AbortSignal, options: StartSchedulerOptions = {}): Promise<{ done: Promise<void> }> {
  const log = options.log ?? (() => {});
  const run = options.leaderElect === false ? new Scheduler(client, factory, options).run(signal) : runLeaderElectedScheduler(client, factory, signal, options);
  const done = run.catch((err) => log('scheduler failed', { error: err instanceof Error ? err.stack : String(err) }));
  factory.start();
  return { done };
}
