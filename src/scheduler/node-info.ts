/**
 * Per-node aggregate the filters and scorers read (framework.NodeInfo): the node, its pods, the sum
 * of their requests, the host ports they hold and which of them carry pod (anti-)affinity. Kept up
 * to date incrementally as pods come and go, so no plugin ever sums a node's pods per cycle.
 */
import type { V1Taint } from '@kubernetes/client-node';
import { hasAffinity, hasRequiredAntiAffinity } from './pod-info.ts';
import type { HostPort, PodInfo } from './pod-info.ts';
import { Resource } from './resources.ts';
import type { Node } from './types.ts';

const ANY_IP = '0.0.0.0';

/**
 * Host ports in use on a node (framework.HostPortInfo), keyed by protocol/port then IP, with a use
 * count so that removing one of two pods holding the same port keeps it marked.
 */
export class HostPortUsage {
  private readonly byPort = new Map<string, Map<string, number>>();

  /** Marks a port used. */
  add(p: HostPort): void {
    const key = `${p.protocol}/${p.port}`;
    let ips = this.byPort.get(key);
    if (!ips) this.byPort.set(key, (ips = new Map()));
    ips.set(p.ip, (ips.get(p.ip) ?? 0) + 1);
  }

  /** Releases a port. */
  remove(p: HostPort): void {
    const key = `${p.protocol}/${p.port}`;
    const ips = this.byPort.get(key);
    const n = ips?.get(p.ip);
    if (!ips || n === undefined) return;
    if (n > 1) ips.set(p.ip, n - 1);
    else {
      ips.delete(p.ip);
      if (ips.size === 0) this.byPort.delete(key);
    }
  }

  /** Whether `p` conflicts: 0.0.0.0 clashes with any IP on the same protocol/port, and vice versa (HostPortInfo.CheckConflict). */
  conflicts(p: HostPort): boolean {
    const ips = this.byPort.get(`${p.protocol}/${p.port}`);
    if (!ips) return false;
    if (p.ip === ANY_IP) return ips.size > 0;
    return ips.has(p.ip) || ips.has(ANY_IP);
  }

  /** Number of distinct protocol/port pairs in use. */
  get size(): number {
    return this.byPort.size;
  }

  /** An independent copy. */
  clone(): HostPortUsage {
    const c = new HostPortUsage();
    for (const [k, ips] of this.byPort) c.byPort.set(k, new Map(ips));
    return c;
  }
}

/** Everything the scheduler knows about one node. */
export class NodeInfo {
  node: Node | null = null;
  readonly name: string;
  pods: PodInfo[] = [];
  podsWithAffinity: PodInfo[] = [];
  podsWithRequiredAntiAffinity: PodInfo[] = [];
  usedPorts = new HostPortUsage();
  /** Sum of the pods' effective requests. */
  requested = new Resource();
  /** Sum of requests with the 100m / 200Mi defaults for containers without requests (NonZeroRequested). */
  nonZeroMilliCPU = 0;
  nonZeroMemory = 0;
  /** status.allocatable of the node. */
  allocatable = new Resource();
  /** The node's labels (empty object when none), cached for the selector closures. */
  labels: Record<string, string> = {};
  /** spec.taints (empty when none). */
  taints: V1Taint[] = [];
  /** Bumped on every change (the scheduler cache's generation, used to detect stale snapshots). */
  generation = 0;

  constructor(name: string) {
    this.name = name;
  }

  /** Sets or replaces the node object, recomputing allocatable, labels and taints. */
  setNode(node: Node): void {
    this.node = node;
    this.allocatable = Resource.fromList(node.status?.allocatable as Record<string, string> | undefined);
    this.labels = node.metadata?.labels ?? {};
    this.taints = node.spec?.taints ?? [];
    this.generation++;
  }

  /** Accounts a pod on this node (NodeInfo.AddPodInfo). */
  addPod(p: PodInfo): void {
    this.pods.push(p);
    if (hasAffinity(p)) this.podsWithAffinity.push(p);
    if (hasRequiredAntiAffinity(p)) this.podsWithRequiredAntiAffinity.push(p);
    this.requested.add(p.requests);
    this.nonZeroMilliCPU += p.nonZeroMilliCPU;
    this.nonZeroMemory += p.nonZeroMemory;
    for (const hp of p.hostPorts) this.usedPorts.add(hp);
    this.generation++;
  }

  /** Removes a pod by uid (NodeInfo.RemovePod); returns the removed PodInfo or undefined. */
  removePod(uid: string): PodInfo | undefined {
    const i = this.pods.findIndex((p) => p.uid === uid);
    if (i < 0) return undefined;
    const p = this.pods[i];
    // Swap-remove, as Kubernetes does: pod order on a node carries no meaning.
    this.pods[i] = this.pods[this.pods.length - 1];
    this.pods.pop();
    removeFrom(this.podsWithAffinity, uid);
    removeFrom(this.podsWithRequiredAntiAffinity, uid);
    this.requested.sub(p.requests);
    this.nonZeroMilliCPU -= p.nonZeroMilliCPU;
    this.nonZeroMemory -= p.nonZeroMemory;
    for (const hp of p.hostPorts) this.usedPorts.remove(hp);
    this.generation++;
    return p;
  }

  /** A copy whose pod lists and sums can be changed without touching this one (preemption's dry run). */
  clone(): NodeInfo {
    const c = new NodeInfo(this.name);
    c.node = this.node;
    c.pods = this.pods.slice();
    c.podsWithAffinity = this.podsWithAffinity.slice();
    c.podsWithRequiredAntiAffinity = this.podsWithRequiredAntiAffinity.slice();
    c.usedPorts = this.usedPorts.clone();
    c.requested = this.requested.clone();
    c.nonZeroMilliCPU = this.nonZeroMilliCPU;
    c.nonZeroMemory = this.nonZeroMemory;
    c.allocatable = this.allocatable;
    c.labels = this.labels;
    c.taints = this.taints;
    c.generation = this.generation;
    return c;
  }
}

function removeFrom(list: PodInfo[], uid: string): void {
  const i = list.findIndex((p) => p.uid === uid);
  if (i >= 0) list.splice(i, 1);
}
