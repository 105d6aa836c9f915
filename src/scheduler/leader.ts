/**
 * Running the scheduler under leader election, as kube-scheduler does with --leader-elect (the
 * default): candidates compete for the Lease kube-system/kube-scheduler; only the holder schedules.
 * Kubernetes exits the process when leadership is lost; here the scheduler stops and the candidate
 * campaigns again, with a fresh Scheduler (and so a fresh queue and snapshot) when it wins.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { KubeClient } from '../client/interface.ts';
import type { SharedInformerFactory } from '../machinery/informer-factory.ts';
import { LeaderElector, type LeaderElectionConfig } from '../machinery/leader-election.ts';
import { Scheduler, type SchedulerOptions } from './scheduler.ts';

/** Lease name and namespace of kube-scheduler's leader election. */
export const SCHEDULER_LEASE_NAME = 'kube-scheduler';
export const SCHEDULER_LEASE_NAMESPACE = 'kube-system';

/** Options of runLeaderElectedScheduler. */
export interface LeaderElectedSchedulerOptions extends SchedulerOptions {
  /** This candidate's identity (default `<hostname>_<uuid>`, as kube components build it). */
  identity?: string;
  /** Lease timing overrides (defaults 15 s / 10 s / 2 s). */
  leaseDurationSeconds?: LeaderElectionConfig['leaseDurationSeconds'];
  renewDeadlineMs?: LeaderElectionConfig['renewDeadlineMs'];
  retryPeriodMs?: LeaderElectionConfig['retryPeriodMs'];
  /** Called with each Scheduler when this candidate starts leading (for tests and metrics). */
  onLeading?: (scheduler: Scheduler) => void;
}

/**
 * Campaigns for the kube-scheduler Lease until `signal` aborts; while leading, runs a Scheduler
 * that stops when leadership ends. Resolves after the signal aborted and the last run finished.
 */
export async function runLeaderElectedScheduler(client: KubeClient, factory: SharedInformerFactory, signal: AbortSignal, options: LeaderElectedSchedulerOptions = {}): Promise<void> {
  const identity = options.identity ?? `${hostname()}_${randomUUID()}`;
  const log = options.log ?? (() => {});
  while (!signal.aborted) {
    let running: Promise<void> = Promise.resolve();
    const elector = new LeaderElector({
      client,
      name: SCHEDULER_LEASE_NAME,
      namespace: SCHEDULER_LEASE_NAMESPACE,
      identity,
      leaseDurationSeconds: options.leaseDurationSeconds,
      renewDeadlineMs: options.renewDeadlineMs,
      retryPeriodMs: options.retryPeriodMs,
      log,
      onStartedLeading: (leading) => {
        const scheduler = new Scheduler(client, factory, options);
        options.onLeading?.(scheduler);
        running = scheduler.run(leading).catch((err) => log('scheduler stopped with an error', { error: String(err) }));
        return running;
      },
      onStoppedLeading: () => log('stopped leading', { lease: `${SCHEDULER_LEASE_NAMESPACE}/${SCHEDULER_LEASE_NAME}`, identity }),
    });
    await elector.run(signal);
    await running;
  }
}
