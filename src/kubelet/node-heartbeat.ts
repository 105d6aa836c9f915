import { hostname as osHostname } from 'node:os';
import { jsonEqual, type KubeObject } from '../api/object.ts';
import { findResource } from '../api/registry.ts';
import type { KubeClient } from '../client/interface.ts';
import { StatusError } from '../api/errors.ts';
import { microTime } from '../machinery/leader-election.ts';
import { nodeConditions, nodeImages, nodeLabels, nodeStatusBase, type MachineInfo, type RuntimeHealth } from './node-status.ts';

const NODES = findResource('', 'v1', 'nodes')!;
const LEASES = findResource('coordination.k8s.io', 'v1', 'leases')!;
const LEASE_NAMESPACE = 'kube-node-lease';

/** Options of NodeHeartbeat. Times in ms. */
export interface NodeHeartbeatOptions {
  client: KubeClient;
  nodeName: string;
  nodeIP: string;
  kubeletPort: number;
  machine: MachineInfo;
  labels?: Record<string, string>;
  taints?: { key: string; value?: string; effect: string }[];
  /** CRI version string for nodeInfo, e.g. containerd://1.6.20. */
  runtimeVersion: string;
  health(): Promise<RuntimeHealth>;
  images(): Promise<{ repoTags: string[]; repoDigests: string[]; size: number }[]>;
  /** Called whenever the Node object is read or written (the kubelet waits for spec.podCIDR). */
  onNode?(node: KubeObject): void;
  /** Lease renewal (kubelet: 10 s, a quarter of the 40 s lease). */
  leaseIntervalMs?: number;
  /** How often status is computed (kubelet's nodeStatusUpdateFrequency, 10 s). */
  statusIntervalMs?: number;
  /** Status is posted at least this often even when unchanged (kubelet's nodeStatusReportFrequency). */
  reportIntervalMs?: number;
  log?: (msg: string, extra?: Record<string, unknown>) => void;
}

/**
 * The kubelet's node registration and heartbeats: creates the Node (or adopts an existing one of
 * the same name), then renews its Lease in kube-node-lease every 10 s and posts node status when
 * it changed (ignoring heartbeat times) or a minute passed, like kubelet's node status loop.
 */
export class NodeHeartbeat {
  private timers: NodeJS.Timeout[] = [];
  private node?: KubeObject;
  private lastPosted = 0;
  private lastStatus?: Record<string, unknown>;
  private stopped = false;
  private statusRunning?: Promise<void>;

  constructor(private readonly opts: NodeHeartbeatOptions) {}

  /** Registers the node (retrying until the API answers) and starts the loops. */
  async start(): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        await this.register();
        break;
      } catch (err) {
        this.opts.log?.('unable to register node with API server', { node: this.opts.nodeName, err: (err as Error).message });
        await new Promise((r) => setTimeout(r, Math.min(7000, 500 * 2 ** attempt)));
      }
    }
    await this.renewLease().catch(() => undefined);
    this.timers.push(setInterval(() => void this.renewLease().catch((err) => this.opts.log?.('failed to renew lease', { err: (err as Error).message })), this.opts.leaseIntervalMs ?? 10_000));
    this.timers.push(setInterval(() => void this.syncStatus(), this.opts.statusIntervalMs ?? 10_000));
  }

  /** Computes and posts status now (e.g. when the runtime's network became ready). */
  syncStatus(): Promise<void> {
    this.statusRunning ??= this.postStatus()
      .catch((err) => this.opts.log?.('error updating node status', { err: (err as Error).message }))
      .finally(() => { this.statusRunning = undefined; });
    return this.statusRunning;
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  private async register(): Promise<void> {
    const { client, nodeName, machine } = this.opts;
    const status = await this.computeStatus(undefined);
    const node: KubeObject = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: nodeName,
        labels: nodeLabels(nodeName, machine, this.opts.labels ?? {}),
        annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
      },
      spec: this.opts.taints?.length ? { taints: this.opts.taints } : {},
      status,
    };
    try {
      this.node = await client.create(NODES, node);
    } catch (err) {
      if (!(err instanceof StatusError) || err.code !== 409) throw err;
      // kubelet's tryRegisterWithAPIServer: an existing node of this name is ours; reconcile its labels.
      this.node = await client.patch(NODES, undefined, nodeName, { metadata: { labels: node.metadata.labels } }, { type: 'merge' });
    }
    this.opts.onNode?.(this.node);
    await this.postStatus(true);
  }

  private async computeStatus(previous: Record<string, unknown> | undefined): Promise<Record<string, unknown>> {
    const [health, images] = await Promise.all([
      this.opts.health().catch((err: Error): RuntimeHealth => ({ runtimeReady: false, networkReady: false, message: err.message })),
      this.opts.images().catch(() => []),
    ]);
    return {
      ...nodeStatusBase({ machine: this.opts.machine, nodeIP: this.opts.nodeIP, hostname: osHostname(), kubeletPort: this.opts.kubeletPort, runtimeVersion: this.opts.runtimeVersion }),
      conditions: nodeConditions(health, previous?.conditions as never),
      images: nodeImages(images),
    };
  }

  private async postStatus(force = false): Promise<void> {
    if (this.stopped && !force) return;
    const current = (this.node?.status as Record<string, unknown> | undefined) ?? this.lastStatus;
    const status = await this.computeStatus(current);
    const reportDue = Date.now() - this.lastPosted >= (this.opts.reportIntervalMs ?? 60_000);
    if (!force && !reportDue && this.lastStatus && jsonEqual(withoutHeartbeats(status), withoutHeartbeats(this.lastStatus))) return;
    this.node = await this.opts.client.patch(NODES, undefined, this.opts.nodeName, { status }, { type: 'merge', subresource: 'status' });
    this.lastStatus = status;
    this.lastPosted = Date.now();
    this.opts.onNode?.(this.node);
  }

  private async renewLease(): Promise<void> {
    const { client, nodeName } = this.opts;
    const spec = { holderIdentity: nodeName, leaseDurationSeconds: 40, renewTime: microTime() };
    try {
      await client.patch(LEASES, LEASE_NAMESPACE, nodeName, { spec }, { type: 'merge' });
    } catch (err) {
      if (!(err instanceof StatusError) || err.code !== 404) throw err;
      const owner = this.node?.metadata.uid ? [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid: this.node.metadata.uid }] : undefined;
      await client.create(LEASES, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: nodeName, namespace: LEASE_NAMESPACE, ownerReferences: owner }, spec });
    }
  }
}

function withoutHeartbeats(status: Record<string, unknown>): Record<string, unknown> {
  const conditions = (status.conditions as Record<string, unknown>[] | undefined)?.map(({ lastHeartbeatTime: _, ...rest }) => rest);
  return { ...status, conditions };
}
