/**
 * API Priority and Fairness in small: every resource request that is not long-running (watches
 * and streams are not) is classified by Kubernetes' suggested FlowSchemas into a priority level
 * and a flow, and executes only when its level has a free seat; waiting requests are served fairly
 * between flows (fair-queue.ts). system:masters is exempt, as in Kubernetes. Without it, a burst of
 * one client (the ReplicaSet controller's slow-start batches of up to 500 creates, 64 status
 * patches of the node agent) all started at once on the server's one thread, and every other
 * request, however small, waited behind the whole burst.
 */
import type { UserInfo } from '../authn/authenticate.ts';
import { PriorityLevel, type Release } from './fair-queue.ts';

/** What classification looks at. */
export interface FlowRequest {
  user?: UserInfo;
  /** Kubernetes verb (get, list, create, update, patch, delete, deletecollection). */
  verb: string;
  group: string;
  resource: string;
  namespace?: string;
}

/** Kubernetes' default server concurrency: --max-requests-inflight 400 + --max-mutating-requests-inflight 200. */
export const DEFAULT_SERVER_SEATS = 600;

/** Nominal concurrency shares of the suggested priority levels (Kubernetes 1.32); exempt has none. */
const SHARES: Record<string, number> = {
  'node-high': 40,
  system: 30,
  'leader-election': 10,
  'workload-high': 40,
  'workload-low': 100,
  'global-default': 20,
  'catch-all': 5,
};

/** handSize x queueLengthLimit of the suggested levels: what one flow may have waiting (catch-all rejects). */
const QUEUED_PER_FLOW: Record<string, number> = {
  'node-high': 6 * 50,
  system: 6 * 50,
  'leader-election': 4 * 50,
  'workload-high': 6 * 50,
  'workload-low': 6 * 50,
  'global-default': 6 * 50,
  'catch-all': 0,
};

const CONTROL_PLANE_USERS = new Set(['system:kube-controller-manager', 'system:kube-scheduler']);

/** The priority level and flow of a request, by the suggested FlowSchemas in order of matching precedence. */
export function classify(request: FlowRequest): { level: string; flow: string } | 'exempt' {
  const user = request.user;
  const groups = user?.groups ?? [];
  const name = user?.username ?? 'system:anonymous';
  // FlowSchema exempt (precedence 1): system:masters.
  if (groups.includes('system:masters')) return 'exempt';
  const leases = request.group === 'coordination.k8s.io' && request.resource === 'leases';
  // system-node-high (400): nodes' own heartbeats (node status and Leases), so they are not starved by pod work.
  if (groups.includes('system:nodes') && (request.resource === 'nodes' || leases)) return { level: 'node-high', flow: name };
  // system-leader-election (100): the control plane's Leases.
  if (CONTROL_PLANE_USERS.has(name) && leases) return { level: 'leader-election', flow: name };
  // system-nodes (500): everything else the nodes do.
  if (groups.includes('system:nodes')) return { level: 'system', flow: name };
  // kube-controller-manager, kube-scheduler (800): distinguished by namespace.
  if (CONTROL_PLANE_USERS.has(name)) return { level: 'workload-high', flow: `${name}/${request.namespace ?? ''}` };
  // service-accounts (9000).
  if (groups.includes('system:serviceaccounts')) return { level: 'workload-low', flow: name };
  // global-default (9900) and catch-all (10000).
  if (groups.includes('system:authenticated') || groups.includes('system:unauthenticated')) return { level: 'global-default', flow: name };
  return { level: 'catch-all', flow: name };
}

/** The priority levels of one server, sized from its total seats by the suggested shares. */
export class FlowControl {
  private readonly levels = new Map<string, PriorityLevel>();

  constructor(serverSeats = DEFAULT_SERVER_SEATS) {
    const total = Object.values(SHARES).reduce((a, b) => a + b, 0);
    for (const [name, shares] of Object.entries(SHARES)) {
      const seats = Math.max(1, Math.ceil((serverSeats * shares) / total));
      this.levels.set(name, new PriorityLevel(name, { seats, maxQueuedPerFlow: QUEUED_PER_FLOW[name]! }));
    }
  }

  /** The level of that name (for metrics and tests). */
  level(name: string): PriorityLevel | undefined {
    return this.levels.get(name);
  }

  /**
   * Waits for the request's seat (nothing to wait for when exempt). Throws 429 TooManyRequests when
   * its flow's queue is full. The caller must call the returned release when the request ends.
   */
  admit(request: FlowRequest, gone?: () => boolean): Release | Promise<Release> {
    const where = classify(request);
    if (where === 'exempt') return NO_SEAT;
    return this.levels.get(where.level)!.acquire(where.flow, gone);
  }
}

const NO_SEAT: Release = () => {};
