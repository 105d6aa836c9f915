import type { Clock } from './runtime-interface.ts';

/** One container as a relist sees it: enough to notice that it appeared, changed state or went. */
export interface RelistEntry {
  sandboxId: string;
  id: string;
  state: string;
}

/**
 * Reduces one listing of every container on the node to a fingerprint per sandbox id: its
 * containers' ids and states, so two listings differ for a sandbox exactly when one of its
 * containers appeared, went, or changed state (what kubelet's PLEG turns into pod lifecycle events).
 */
export function sandboxFingerprints(containers: Iterable<RelistEntry>): Map<string, string> {
  const out = new Map<string, string>();
  for (const c of containers) out.set(c.sandboxId, `${out.get(c.sandboxId) ?? ''}${c.id}=${c.state};`);
  return out;
}

/** What the PLEG needs: the relist itself, a clock, its period and whom to tell. */
export interface PlegOptions {
  relist(): Promise<Map<string, string>>;
  clock: Clock;
  periodMs: number;
  /** The containers of this sandbox changed since the previous relist (or the sandbox's last container went). */
  onChange(sandboxId: string): void;
}

/**
 * The pod lifecycle event generator (kubelet's GenericPLEG): one relist of the node's containers
 * per period, compared with the previous one, instead of every pod worker asking the runtime about
 * its own pod every second. Only pods whose containers changed are woken. A failed relist is
 * simply retried at the next period.
 */
export class Pleg {
  private last = new Map<string, string>();
  private timer?: unknown;
  private running = false;

  constructor(private readonly opts: PlegOptions) {}

  /** Starts relisting (idempotent). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule();
  }

  /** Stops relisting; a relist in flight reports nothing more. */
  stop(): void {
    this.running = false;
    if (this.timer !== undefined) this.opts.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    this.timer = this.opts.clock.setTimeout(() => void this.relist(), this.opts.periodMs);
  }

  private async relist(): Promise<void> {
    this.timer = undefined;
    try {
      const now = await this.opts.relist();
      if (!this.running) return;
      for (const [id, fingerprint] of now) if (this.last.get(id) !== fingerprint) this.opts.onChange(id);
      for (const id of this.last.keys()) if (!now.has(id)) this.opts.onChange(id);
      this.last = now;
    } catch {
      // The runtime did not answer: the next relist compares against the last good one.
    }
    if (this.running) this.schedule();
  }
}
