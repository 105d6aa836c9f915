import { StatusError } from '../api/errors.ts';
import type { KubeObject } from '../api/object.ts';
import { findResource } from '../api/registry.ts';
import type { KubeClient } from '../client/interface.ts';

const LEASES = findResource('coordination.k8s.io', 'v1', 'leases')!;

/** coordination.k8s.io/v1 LeaseSpec as JSON. */
export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

/** A Lease object. */
export interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

/** Configuration of a LeaderElector; durations as client-go's defaults for kube components. */
export interface LeaderElectionConfig {
  client: KubeClient;
  /** Lease name, e.g. `kube-controller-manager`. */
  name: string;
  /** Lease namespace (default `kube-system`). */
  namespace?: string;
  /** This candidate's identity (host name plus a unique suffix, as Kubernetes components use). */
  identity: string;
  /** How long a lease is valid after its last renewal, as seen by other candidates (default 15 s). */
  leaseDurationSeconds?: number;
  /** A leader that fails to renew for this long gives up (default 10 s). */
  renewDeadlineMs?: number;
  /** Time between attempts to acquire or renew (default 2 s). */
  retryPeriodMs?: number;
  /** Give the lease up when stopping, so another candidate takes over at once (default true). */
  releaseOnCancel?: boolean;
  /** Called on becoming leader; `signal` aborts when leadership ends. */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** Called when leadership ends (renewal failed, or the elector was stopped while leading). */
  onStoppedLeading(): void;
  /** Called when a different holder is observed (including this candidate). */
  onNewLeader?(identity: string): void;
  log?: (msg: string, extra?: Record<string, unknown>) => void;
}

/** A MicroTime as Kubernetes writes it: RFC 3339 with six fractional digits (`2006-01-02T15:04:05.000000Z`). */
export function microTime(date: Date = new Date()): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/**
 * Lease-based leader election (client-go's tools/leaderelection with a LeaseLock). Candidates
 * try every retryPeriod (with jitter) to take the Lease; a held lease counts as valid until
 * leaseDurationSeconds after this candidate last saw it change, measured on the local clock so
 * that clock skew between machines does not matter. Writes use the Lease's resourceVersion, so
 * of two candidates racing only one wins (the other gets 409). The leader renews every
 * retryPeriod and steps down when it cannot renew within renewDeadline.
 */
export class LeaderElector {
  private readonly namespace: string;
  private readonly leaseDurationSeconds: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private observed?: LeaseSpec;
  private observedTime = 0;
  private lease?: Lease;
  private leading = false;
  private reportedLeader?: string;

  constructor(private readonly config: LeaderElectionConfig) {
    this.namespace = config.namespace ?? 'kube-system';
    this.leaseDurationSeconds = config.leaseDurationSeconds ?? 15;
    this.renewDeadlineMs = config.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = config.retryPeriodMs ?? 2_000;
    if (this.leaseDurationSeconds * 1000 <= this.renewDeadlineMs) throw new Error('leaseDuration must be greater than renewDeadline');
  }

  /** Whether this candidate currently holds the lease. */
  isLeader(): boolean {
    return this.leading;
  }

  /** The last observed holder ('' when none). */
  getLeader(): string {
    return this.observed?.holderIdentity ?? '';
  }

  /**
   * Campaigns until leading, leads until renewal fails or `signal` aborts, then returns. Unlike
   * client-go, onStoppedLeading is called only if this candidate actually led.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (!(await this.acquire(signal))) return;
    const leadership = new AbortController();
    const stop = (): void => leadership.abort();
    signal.addEventListener('abort', stop, { once: true });
    try {
      void Promise.resolve()
        .then(() => this.config.onStartedLeading(leadership.signal))
        .catch((err) => this.config.log?.('onStartedLeading failed', { error: String(err) }));
      await this.renew(signal);
    } finally {
      signal.removeEventListener('abort', stop);
      leadership.abort();
      if (this.leading && this.config.releaseOnCancel !== false) await this.release();
      this.leading = false;
      this.config.onStoppedLeading();
    }
  }

  private async acquire(signal: AbortSignal): Promise<boolean> {
    while (!signal.aborted) {
      if (await this.tryAcquireOrRenew()) {
        this.config.log?.('acquired lease', { lease: `${this.namespace}/${this.config.name}`, identity: this.config.identity });
        return true;
      }
      // client-go's JitterUntil with factor 1.2: wait between 1x and 2.2x the retry period.
      await sleep(this.retryPeriodMs * (1 + Math.random() * 1.2), signal);
    }
    return false;
  }

  private async renew(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const deadline = Date.now() + this.renewDeadlineMs;
      let renewed = false;
      while (!signal.aborted && Date.now() < deadline) {
        renewed = await this.tryAcquireOrRenew(deadline - Date.now());
        if (renewed) break;
        await sleep(Math.min(this.retryPeriodMs, Math.max(0, deadline - Date.now())), signal);
      }
      if (signal.aborted) return;
      if (!renewed) {
        this.config.log?.('failed to renew lease; stepping down', { lease: `${this.namespace}/${this.config.name}` });
        return;
      }
      await sleep(this.retryPeriodMs, signal);
    }
  }

  /** One attempt to take or renew the lease; true when this candidate holds it afterwards. */
  private async tryAcquireOrRenew(timeoutMs = this.renewDeadlineMs): Promise<boolean> {
    const signal = AbortSignal.timeout(Math.max(1, timeoutMs));
    const now = new Date();
    const mine: LeaseSpec = { holderIdentity: this.config.identity, leaseDurationSeconds: this.leaseDurationSeconds, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 };
    try {
      let current: Lease;
      try {
        current = await this.config.client.get<Lease>(LEASES, this.namespace, this.config.name, { signal });
      } catch (err) {
        if (!(err instanceof StatusError) || err.code !== 404) throw err;
        const created = await this.config.client.create<Lease>(LEASES, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.config.name, namespace: this.namespace }, spec: mine }, { signal });
        return this.holding(created, now);
      }
      const old = current.spec ?? {};
      if (!this.observed || JSON.stringify(old) !== JSON.stringify(this.observed)) {
        this.observe(old, now);
      }
      const heldByOther = !!old.holderIdentity && old.holderIdentity !== this.config.identity;
      if (heldByOther && this.observedTime + (old.leaseDurationSeconds ?? 0) * 1000 > now.getTime()) return this.lost();
      if (this.leading && old.holderIdentity === this.config.identity) {
        mine.acquireTime = old.acquireTime;
        mine.leaseTransitions = old.leaseTransitions ?? 0;
      } else {
        mine.leaseTransitions = (old.leaseTransitions ?? 0) + 1;
      }
      const updated = await this.config.client.update<Lease>(LEASES, { ...current, spec: { ...old, ...mine } }, { signal });
      return this.holding(updated, now);
    } catch (err) {
      this.config.log?.('error acquiring or renewing lease', { error: err instanceof Error ? err.message : String(err) });
      return false;
    }
  }

  private holding(lease: Lease, now: Date): boolean {
    this.lease = lease;
    this.observe(lease.spec ?? {}, now);
    this.leading = true;
    return true;
  }

  private lost(): boolean {
    this.leading = false;
    return false;
  }

  private observe(spec: LeaseSpec, now: Date): void {
    this.observed = spec;
    this.observedTime = now.getTime();
    const holder = spec.holderIdentity ?? '';
    if (holder && holder !== this.reportedLeader) {
      this.reportedLeader = holder;
      this.config.onNewLeader?.(holder);
    }
  }

  /** Gives the lease up: empty holder, 1 s duration, so the next candidate acquires at once (client-go's release). */
  private async release(): Promise<void> {
    const lease = this.lease;
    if (!lease) return;
    const now = microTime();
    const spec: LeaseSpec = { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: lease.spec?.leaseTransitions ?? 0 };
    try {
      await this.config.client.update<Lease>(LEASES, { ...lease, spec }, { signal: AbortSignal.timeout(this.renewDeadlineMs) });
    } catch (err) {
      this.config.log?.('failed to release lease', { error: err instanceof Error ? err.message : String(err) });
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
