/** kubelet's container restart back-off: 10s initial, doubling, capped at 5 minutes. */
export const INITIAL_BACKOFF_MS = 10_000;
/** Cap of the restart back-off (kubelet's MaxContainerBackOff). */
export const MAX_BACKOFF_MS = 300_000;
/** A container that ran this long, or an entry untouched this long, starts over at the initial back-off. */
export const BACKOFF_RESET_MS = 2 * MAX_BACKOFF_MS;

interface Entry {
  backoffMs: number;
  lastUpdate: number;
}

/**
 * Per-container restart back-off, keyed by pod UID and container name, with client-go's
 * flowcontrol.Backoff semantics: a container that died at `finishedAt` is held while
 * now - finishedAt < current back-off; each restart doubles the back-off up to the cap.
 */
export class CrashBackoff {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly initialMs = INITIAL_BACKOFF_MS, private readonly maxMs = MAX_BACKOFF_MS) {}

  /** Current back-off of a key in ms (0 when it has none). */
  get(key: string): number {
    return this.entries.get(key)?.backoffMs ?? 0;
  }

  /** Whether a container that finished at `finishedAt` must still wait at `now`. */
  isInBackOffSince(key: string, finishedAt: number, now: number): boolean {
    const entry = this.entries.get(key);
    if (!entry || now - entry.lastUpdate > 2 * this.maxMs) return false;
    return now - finishedAt < entry.backoffMs;
  }

  /** Whether less than the current back-off has passed since the key's last failure (image pulls). */
  isInBackOffSinceUpdate(key: string, now: number): boolean {
    const entry = this.entries.get(key);
    if (!entry || now - entry.lastUpdate > 2 * this.maxMs) return false;
    return now - entry.lastUpdate < entry.backoffMs;
  }

  /** When the hold on a container that finished at `finishedAt` ends (epoch ms). */
  releaseAt(key: string, finishedAt: number): number {
    return finishedAt + this.get(key);
  }

  /**
   * Records a restart at `now`: first restart sets the initial back-off, later ones double it.
   * `ranForMs` resets the back-off when the dead container had been running for 10 minutes.
   */
  next(key: string, now: number, ranForMs = 0): void {
    const entry = this.entries.get(key);
    if (!entry || now - entry.lastUpdate > 2 * this.maxMs || ranForMs >= BACKOFF_RESET_MS) {
      this.entries.set(key, { backoffMs: this.initialMs, lastUpdate: now });
      return;
    }
    entry.backoffMs = Math.min(entry.backoffMs * 2, this.maxMs);
    entry.lastUpdate = now;
  }

  /** Forgets every key with this prefix (a deleted pod's containers). */
  forgetPrefix(prefix: string): void {
    for (const key of [...this.entries.keys()]) if (key.startsWith(prefix)) this.entries.delete(key);
  }
}

/** Formats milliseconds as Go's time.Duration.String does for whole seconds: "10s", "1m20s", "5m0s". */
export function goDuration(ms: number): string {
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

/**
 * Formats milliseconds as Go's time.Duration.String does after Truncate(time.Millisecond):
 * "0s", "850ms", "1.234s", "2m3.5s" (kubelet's pull durations in its Pulled event).
 */
export function goDurationMillis(ms: number): string {
  const total = Math.max(0, Math.floor(ms));
  if (total === 0) return '0s';
  if (total < 1000) return `${total}ms`;
  const h = Math.floor(total / 3_600_000);
  const m = Math.floor((total % 3_600_000) / 60_000);
  const rest = total % 60_000;
  const seconds = `${Math.floor(rest / 1000)}${rest % 1000 ? `.${String(rest % 1000).padStart(3, '0').replace(/0+$/, '')}` : ''}s`;
  if (h > 0) return `${h}h${m}m${seconds}`;
  if (m > 0) return `${m}m${seconds}`;
  return seconds;
}
