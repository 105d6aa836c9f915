/**
 * The kubelet's service account token manager (pkg/kubelet/token): bound tokens requested
 * through TokenRequest are cached per service account, pod, audiences and lifetime, and renewed
 * once 80% of their lifetime has passed (or after 24 hours). A failed renewal keeps serving the
 * cached token until it actually expires.
 */
import type { KubeletPod } from '../runtime-interface.ts';

/** What a TokenRequest answers (status.token, status.expirationTimestamp). */
export interface IssuedToken {
  token: string;
  expirationTimestamp: string;
}

/** Requests a token bound to `pod` for its service account. */
export type TokenRequester = (pod: KubeletPod, audiences: string[] | undefined, expirationSeconds: number) => Promise<IssuedToken>;

interface Cached {
  token: string;
  podUid: string;
  expiresAt: number;
  refreshAt: number;
}

/** kubelet refreshes any token older than this, whatever its lifetime. */
const MAX_TTL_MS = 24 * 60 * 60 * 1000;

/** Caches and renews service account tokens for projected volumes. */
export class TokenManager {
  private readonly cache = new Map<string, Cached>();

  constructor(
    private readonly request: TokenRequester,
    private readonly now: () => number,
  ) {}

  /**
   * A valid token for the pod's service account. Resolves the cached one unless it is due for
   * renewal; rejects `failed to fetch token: ...` when no token could be had, or
   * `token ... expired and refresh failed: ...` when the cached one ran out.
   */
  async get(pod: KubeletPod, audiences: string[] | undefined, expirationSeconds: number): Promise<string> {
    const sa = String(pod.spec.serviceAccountName ?? pod.spec.serviceAccount ?? 'default');
    const key = `"${sa}"/"${pod.metadata.namespace ?? ''}"/${JSON.stringify(audiences ?? [])}/${expirationSeconds}/"${pod.metadata.uid ?? ''}"`;
    const cached = this.cache.get(key);
    const now = this.now();
    if (cached && now < cached.refreshAt) return cached.token;
    try {
      const issued = await this.request(pod, audiences, expirationSeconds);
      const expiresAt = Date.parse(issued.expirationTimestamp);
      const issuedAt = expiresAt - expirationSeconds * 1000;
      const refreshAt = Math.min(expiresAt - expirationSeconds * 200, issuedAt + MAX_TTL_MS);
      this.cache.set(key, { token: issued.token, podUid: pod.metadata.uid ?? '', expiresAt, refreshAt });
      return issued.token;
    } catch (err) {
      const why = (err as Error).message;
      if (!cached) throw new Error(`failed to fetch token: ${why}`);
      if (now >= cached.expiresAt) throw new Error(`token ${key} expired and refresh failed: ${why}`);
      return cached.token;
    }
  }

  /** When the earliest token of the pod is due for renewal (epoch ms), if it has any. */
  nextRefresh(podUid: string): number | undefined {
    let next: number | undefined;
    for (const entry of this.cache.values()) if (entry.podUid === podUid && (next === undefined || entry.refreshAt < next)) next = entry.refreshAt;
    return next;
  }

  /** Drops the pod's tokens (the pod is gone). */
  forgetPod(podUid: string): void {
    for (const [key, entry] of this.cache) if (entry.podUid === podUid) this.cache.delete(key);
  }
}
