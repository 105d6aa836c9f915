import { cloneJson, type KubeObject } from '../../api/object.ts';
import { findResource } from '../../api/registry.ts';
import type { KubeClient } from '../../client/interface.ts';
import { SharedInformer } from '../../machinery/informer.ts';
import { stripManagedFields } from '../../machinery/transforms.ts';
import { PodIpPool, fallbackPodCIDR } from './ip-pool.ts';
import { DEFAULT_NODE_TEMPLATE, nodeInternalIP, nodeObject, nodeStatus, statusIsHealthy, type NodeTemplate, type SimNodeCondition } from './node-template.ts';
import { PodSimulator } from './pod-simulator.ts';
import type { SimPod } from './pod-status.ts';
import { ConcurrencyLimiter, TimerWheel } from './timer-wheel.ts';

const NODES = findResource('', 'v1', 'nodes')!;
const PODS = findResource('', 'v1', 'pods')!;
const LEASES = findResource('coordination.k8s.io', 'v1', 'leases')!;
const LEASE_NAMESPACE = 'kube-node-lease';

/** Options of SimulatedNodes. Times in ms. */
export interface SimulatedNodesOptions {
  client: KubeClient;
  /** How many nodes to simulate. */
  count: number;
  /** Name prefix, capacity, labels and taints (defaults: DEFAULT_NODE_TEMPLATE). */
  template?: Partial<NodeTemplate>;
  /** Lease renewal period (the kubelet's 10 s: a quarter of the 40 s lease duration). */
  leaseIntervalMs?: number;
  leaseDurationSeconds?: number;
  /** How often the node status is posted when nothing changed (default 5 min, the kubelet's nodeStatusReportFrequency). */
  statusIntervalMs?: number;
  /** Run-to-completion containers exit after this long unless annotated (default 1 s). */
  defaultExitAfterMs?: number;
  /** Upper bound of the wait before a deleted pod is removed (default 1 s). */
  maxDeleteDelayMs?: number;
  /** Node heartbeat requests (registration, Leases, node status) in flight at most (default 64). */
  maxConcurrentWrites?: number;
  /**
   * Pod status writes and final deletes in flight at most (default 64). A budget of their own, as
   * every kubelet has its own connection: 5,000 nodes renew 500 Leases a second, which would
   * otherwise take every slot and leave bound pods Pending.
   */
  maxConcurrentPodWrites?: number;
  /**
   * How long after start a node without spec.podCIDR holds its pods Pending, waiting for the node
   * IPAM controller, before it falls back to a range of its own (default 5 s). A kubelet whose
   * network needs the node's range does not start pods before it has one; without the wait, a pod
   * bound while the node informer had not yet seen the range got an IP from outside it.
   */
  podCIDRWaitMs?: number;
  now?: () => number;
  /** Tests drive time with `tick()` instead of real timers. */
  manualTimers?: boolean;
  log?: (msg: string, extra?: Record<string, unknown>) => void;
}

interface SimNode {
  name: string;
  index: number;
  uid?: string;
  lease?: KubeObject;
  pool: PodIpPool;
  /** Whether `pool` is the node's spec.podCIDR (else the fallback range). */
  poolFromSpec: boolean;
  conditions?: SimNodeCondition[];
}

/**
 * Hollow nodes for scale tests, like KWOK: registers `count` Nodes that look like real kubelets'
 * (labels, capacity = allocatable, healthy conditions, addresses, nodeInfo), renews a Lease per
 * node in kube-node-lease every 10 s, posts node status every 5 minutes and at once when someone
 * else changed it (a node controller marking it Unknown), and runs the pods bound to them
 * through their lifecycle (PodSimulator). One node informer, one pod informer and one timer for
 * all nodes; writes go through two concurrency limits (node heartbeats; pods). Pod IPs come from each node's spec.podCIDR
 * (or a fallback /24 from 10.128.0.0/9 until the node IPAM controller sets one).
 */
export class SimulatedNodes {
  readonly names: string[];
  readonly template: NodeTemplate;
  private readonly nodes = new Map<string, SimNode>();
  private readonly wheel: TimerWheel;
  private readonly limiter: ConcurrencyLimiter;
  private readonly now: () => number;
  private readonly pending = new Set<Promise<unknown>>();
  private readonly nodeInformer: SharedInformer;
  private readonly podInformer: SharedInformer<SimPod>;
  private readonly pods: PodSimulator;
  private readonly log: (msg: string, extra?: Record<string, unknown>) => void;
  private readonly leaseIntervalMs: number;
  private readonly statusIntervalMs: number;
  /** Until this time (this.now()), a node without spec.podCIDR starts no pods; set by start(). */
  private podCIDRWaitUntil = Infinity;

  constructor(private readonly opts: SimulatedNodesOptions) {
    this.template = { ...DEFAULT_NODE_TEMPLATE, ...opts.template };
    this.now = opts.now ?? Date.now;
    this.log = opts.log ?? (() => {});
    this.leaseIntervalMs = opts.leaseIntervalMs ?? 10_000;
    // With leases as heartbeats the kubelet re-posts an unchanged status only every 5 minutes; at
    // 5,000 nodes a 1-minute period alone would be 83 full Node writes per second.
    this.statusIntervalMs = opts.statusIntervalMs ?? 300_000;
    this.wheel = new TimerWheel({ now: this.now, manual: opts.manualTimers });
    this.limiter = new ConcurrencyLimiter(opts.maxConcurrentWrites ?? 64);
    this.names = Array.from({ length: opts.count }, (_, i) => `${this.template.namePrefix}${i}`);
    this.names.forEach((name, index) => this.nodes.set(name, { name, index, pool: new PodIpPool(fallbackPodCIDR(index)), poolFromSpec: false }));
    // One node needs only its own objects (the kubelet's field selectors); many share one unfiltered watch.
    const single = opts.count === 1 ? this.names[0] : undefined;
    // managedFields are never read here; dropping them keeps thousands of cached pods smaller.
    this.nodeInformer = new SharedInformer(opts.client, NODES, { fieldSelector: single ? `metadata.name=${single}` : undefined, log: this.log, transform: stripManagedFields });
    // A watch-list: a relist of every bound pod (160,000 at scale) took so long that its
    // resourceVersion had left the server's 75 s window before the watch began (410, relist, 410...).
    this.podInformer = new SharedInformer<SimPod>(opts.client, PODS, { fieldSelector: single ? `spec.nodeName=${single}` : 'spec.nodeName!=', log: this.log, transform: stripManagedFields, watchList: true });
    this.nodeInformer.addEventHandler({ onAdd: (n) => this.observeNode(n), onUpdate: (_o, n) => this.observeNode(n) });
    this.pods = new PodSimulator(this.podInformer, this.directory(), {
      client: opts.client,
      wheel: this.wheel,
      limiter: new ConcurrencyLimiter(opts.maxConcurrentPodWrites ?? 64),
      now: this.now,
      defaultExitAfterMs: opts.defaultExitAfterMs ?? 1000,
      maxDeleteDelayMs: opts.maxDeleteDelayMs ?? 1000,
      track: (what, write) => this.track(what, write),
    });
  }

  /**
   * Registers every node (creating it, or adopting an existing one), posts its status, starts the
   * informers and the periodic lease and status work. Resolves once the nodes exist and the pod
   * cache has synced.
   */
  async start(): Promise<void> {
    await Promise.all(this.names.map((name) => this.limiter.run(() => this.register(this.nodes.get(name)!))));
    const t = this.now();
    this.podCIDRWaitUntil = t + (this.opts.podCIDRWaitMs ?? 5000);
    // Pods held for a range that never came start now, from the fallback range.
    this.wheel.schedule('podcidr-wait', this.podCIDRWaitUntil, () => {
      for (const node of this.nodes.values()) if (!node.poolFromSpec) this.pods.resyncNode(node.name);
    });
    this.nodeInformer.start();
    this.podInformer.start();
    for (const node of this.nodes.values()) {
      // Spread the periodic work over its period, so N nodes do not all write in the same instant.
      const spread = (node.index / Math.max(1, this.names.length)) * this.leaseIntervalMs;
      this.scheduleLease(node, t + this.leaseIntervalMs + spread);
      // Status posts are spread over their own (5-minute) period: spread over the lease's 10 s,
      // 5,000 nodes posted 500 full Node objects a second in one burst every period.
      this.scheduleStatus(node, t + this.statusIntervalMs + (node.index / Math.max(1, this.names.length)) * this.statusIntervalMs);
    }
    await Promise.all([this.nodeInformer.waitForSync(), this.podInformer.waitForSync()]);
  }

  /** Stops timers and informers. The nodes stay registered; their leases lapse. */
  async stop(): Promise<void> {
    this.wheel.stop();
    await Promise.all([this.nodeInformer.stop(), this.podInformer.stop()]);
    await this.idle();
  }

  /** Runs the timer tasks that are due (with `manualTimers`). */
  tick(): number {
    return this.wheel.runDue();
  }

  /** Resolves once every write started so far has finished. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private directory() {
    return {
      has: (name: string) => this.nodes.has(name),
      place: (name: string, pod: SimPod) => {
        const node = this.nodes.get(name)!;
        const hostIP = nodeInternalIP(node.index);
        if (pod.spec?.hostNetwork) return { hostIP, podIP: hostIP };
        if (!node.poolFromSpec && this.now() < this.podCIDRWaitUntil) return undefined; // resynced when the range arrives
        const uid = pod.metadata.uid ?? '';
        const known = pod.status?.podIP;
        const podIP = known && node.pool.adopt(uid, known) ? known : node.pool.allocate(uid);
        return podIP ? { hostIP, podIP } : undefined;
      },
      release: (name: string, uid: string) => this.nodes.get(name)?.pool.release(uid),
    };
  }

  private async register(node: SimNode): Promise<void> {
    let created: KubeObject;
    try {
      created = await this.opts.client.create(NODES, nodeObject(node.name, this.template));
    } catch (err) {
      if ((err as { code?: number }).code !== 409) throw err;
      created = await this.opts.client.get(NODES, undefined, node.name);
    }
    node.uid = created.metadata.uid;
    this.adoptPodCIDR(node, created);
    await this.postStatus(node);
    // Like the kubelet, take the lease at once; later renewals are spread over the interval.
    await this.renewLease(node).catch((err: unknown) => this.log('failed to renew lease', { node: node.name, error: String(err) }));
    this.log('registered simulated node', { node: node.name });
  }

  /** Posts the full node status (the API server drops status on create, so registration posts it too). */
  private async postStatus(node: SimNode): Promise<void> {
    const status = nodeStatus(node.name, node.index, this.template, this.now(), node.conditions);
    const written = await this.opts.client.patch(NODES, undefined, node.name, { status }, { type: 'merge', subresource: 'status' });
    node.conditions = (written.status as { conditions?: SimNodeCondition[] } | undefined)?.conditions;
  }

  private scheduleStatus(node: SimNode, at: number): void {
    this.wheel.schedule(`status/${node.name}`, at, () => {
      this.track(`post status of node ${node.name}`, this.limiter.run(() => this.postStatus(node)));
      this.scheduleStatus(node, this.now() + this.statusIntervalMs);
    });
  }

  private scheduleLease(node: SimNode, at: number): void {
    this.wheel.schedule(`lease/${node.name}`, at, () => {
      const renew = this.limiter.run(() => this.renewLease(node));
      this.track(`renew lease of node ${node.name}`, renew);
      this.scheduleLease(node, this.now() + this.leaseIntervalMs);
    });
  }

  /** The kubelet's node lease controller: update the cached Lease's renewTime; create it when missing; re-read it after a conflict. */
  private async renewLease(node: SimNode): Promise<void> {
    const renewTime = microTime(this.now());
    const client = this.opts.client;
    try {
      if (node.lease) {
        const next = cloneJson(node.lease);
        next.spec = { ...(next.spec as object), holderIdentity: node.name, renewTime };
        node.lease = await client.update(LEASES, next);
        return;
      }
      node.lease = await client.create(LEASES, this.leaseObject(node, renewTime));
    } catch (err) {
      const code = (err as { code?: number }).code;
      if (code === 409) node.lease = await client.get(LEASES, LEASE_NAMESPACE, node.name).catch(() => undefined);
      else if (code === 404) node.lease = undefined;
      throw err;
    }
  }

  private leaseObject(node: SimNode, renewTime: string): KubeObject {
    const ownerReferences = node.uid ? [{ apiVersion: 'v1', kind: 'Node', name: node.name, uid: node.uid }] : undefined;
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: node.name, namespace: LEASE_NAMESPACE, ownerReferences },
      spec: { holderIdentity: node.name, leaseDurationSeconds: this.opts.leaseDurationSeconds ?? 40, renewTime },
    };
  }

  /** Picks up spec.podCIDR and notices a status someone else changed (re-posted at once, as a live kubelet would soon). */
  private observeNode(obj: KubeObject): void {
    const node = this.nodes.get(obj.metadata.name ?? '');
    if (!node) return;
    node.uid = obj.metadata.uid;
    if (this.adoptPodCIDR(node, obj)) this.pods.resyncNode(node.name);
    const conditions = (obj.status as { conditions?: SimNodeCondition[] } | undefined)?.conditions;
    if (conditions && !statusIsHealthy(conditions)) {
      node.conditions = conditions;
      this.wheel.schedule(`status/${node.name}`, this.now(), () => {
        this.track(`post status of node ${node.name}`, this.limiter.run(() => this.postStatus(node)));
        this.scheduleStatus(node, this.now() + this.statusIntervalMs);
      });
    }
  }

  /** Switches the node's pod range to its spec.podCIDR; true when it changed. */
  private adoptPodCIDR(node: SimNode, obj: KubeObject): boolean {
    const cidr = (obj.spec as { podCIDR?: string } | undefined)?.podCIDR;
    if (!cidr || cidr === node.pool.cidr) return false;
    try {
      node.pool = new PodIpPool(cidr);
      node.poolFromSpec = true;
      return true;
    } catch {
      return false; // an IPv6 or malformed range: keep the fallback
    }
  }

  private track(what: string, write: Promise<unknown>): void {
    const tracked = write.catch((err: unknown) => this.log(`failed to ${what}`, { error: err instanceof Error ? err.message : String(err) }));
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
  }
}

/** metav1.MicroTime as Kubernetes writes it: RFC 3339 with microseconds. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}
