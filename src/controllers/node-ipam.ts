import { findResource } from '../api/registry.ts';
import type { Controller } from '../machinery/controller.ts';
import type { NodeObject } from './node-health.ts';

const NODES = findResource('', 'v1', 'nodes')!;

/** Options of the node IPAM controller. */
export interface NodeIpamOptions {
  /** The cluster's pod network (k3s and skiff: 10.42.0.0/16). */
  clusterCIDR?: string;
  /** Prefix length of each node's range (Kubernetes' --node-cidr-mask-size, 24 for IPv4). */
  nodeMaskSize?: number;
}

/** skiff's default cluster pod CIDR (the k3s default). */
export const DEFAULT_CLUSTER_CIDR = '10.42.0.0/16';

/** An IPv4 network as a 32-bit base address and prefix length. */
export interface Ipv4Net {
  base: number;
  prefix: number;
}

/** Parses `a.b.c.d/n` (IPv4 only); the base is masked to the prefix. Throws on anything else. */
export function parseCidr(cidr: string): Ipv4Net {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr.trim());
  if (!match) throw new Error(`invalid IPv4 CIDR ${JSON.stringify(cidr)}`);
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o) => o > 255) || prefix > 32) throw new Error(`invalid IPv4 CIDR ${JSON.stringify(cidr)}`);
  const addr = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
  return { base: (addr & maskOf(prefix)) >>> 0, prefix };
}

/** Formats an address (32-bit unsigned) as dotted quad. */
export function formatIp(addr: number): string {
  return [24, 16, 8, 0].map((shift) => (addr >>> shift) & 255).join('.');
}

function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/**
 * Hands out node ranges from a cluster CIDR, lowest free first, as the range allocator's CIDR set
 * does. `occupy` marks ranges already in use (found on nodes); ranges outside the cluster CIDR or
 * of another size are ignored.
 */
export class CidrSet {
  private readonly cluster: Ipv4Net;
  private readonly used = new Set<number>();
  readonly size: number;

  constructor(clusterCIDR: string, readonly nodeMaskSize: number) {
    this.cluster = parseCidr(clusterCIDR);
    if (nodeMaskSize < this.cluster.prefix || nodeMaskSize > 30) throw new Error(`node CIDR mask size ${nodeMaskSize} does not fit cluster CIDR ${clusterCIDR}`);
    this.size = 2 ** (nodeMaskSize - this.cluster.prefix);
  }

  /** Marks a node range as used; returns false when it is not one of this set's ranges. */
  occupy(cidr: string): boolean {
    const index = this.indexOf(cidr);
    if (index === undefined) return false;
    this.used.add(index);
    return true;
  }

  /** Marks a node range as free again (its node is gone or holds another range). */
  release(cidr: string): void {
    const index = this.indexOf(cidr);
    if (index !== undefined) this.used.delete(index);
  }

  /** The lowest free range (marked used), or undefined when the cluster CIDR is full. */
  allocateNext(): string | undefined {
    for (let i = 0; i < this.size; i++) {
      if (this.used.has(i)) continue;
      this.used.add(i);
      return `${formatIp((this.cluster.base + i * 2 ** (32 - this.nodeMaskSize)) >>> 0)}/${this.nodeMaskSize}`;
    }
    return undefined;
  }

  private indexOf(cidr: string): number | undefined {
    let net: Ipv4Net;
    try {
      net = parseCidr(cidr);
    } catch {
      return undefined;
    }
    if (net.prefix !== this.nodeMaskSize || (net.base & maskOf(this.cluster.prefix)) >>> 0 !== this.cluster.base) return undefined;
    return (net.base - this.cluster.base) / 2 ** (32 - this.nodeMaskSize);
  }
}

/** The ranges a node holds (spec.podCIDRs, or spec.podCIDR alone). */
function rangesOf(node: NodeObject): string[] {
  return node.spec?.podCIDRs ?? (node.spec?.podCIDR ? [node.spec.podCIDR] : []);
}

/**
 * The node IPAM controller (range allocator): a node without spec.podCIDR gets the lowest free
 * /24 of the cluster CIDR as spec.podCIDR and spec.podCIDRs. Ranges already on nodes count as
 * used; ranges patched but not yet seen in the cache are remembered, so two nodes never get the
 * same range. When the cluster CIDR is exhausted the node gets a `CIDRNotAvailable` event and the
 * key is retried with backoff.
 *
 * The used ranges are one set built from every cached node on the first reconcile and then kept up
 * to date node by node (each reconcile accounts for its node's ranges; a deleted node frees its
 * own), as the range allocator's cidrSet is: rebuilding it from every node in every reconcile
 * made 5,000 nodes cost 25 million range parses.
 */
export function nodeIpamController(opts: NodeIpamOptions = {}): Controller {
  const clusterCIDR = opts.clusterCIDR ?? DEFAULT_CLUSTER_CIDR;
  const nodeMaskSize = opts.nodeMaskSize ?? 24;
  new CidrSet(clusterCIDR, nodeMaskSize); // fail fast on a bad configuration
  let used: CidrSet | undefined;
  /** The ranges each node holds in `used`: seen on the node, or assigned here and not yet seen in the cache. */
  const held = new Map<string, string[]>();
  const account = (set: CidrSet, name: string, ranges: string[]): void => {
    for (const old of held.get(name) ?? []) if (!ranges.includes(old)) set.release(old);
    for (const range of ranges) set.occupy(range);
    if (ranges.length > 0) held.set(name, ranges);
    else held.delete(name);
  };
  return {
    name: 'node-ipam-controller',
    watches: [{ resource: NODES }],
    async reconcile(ctx, name) {
      const lister = ctx.listers.get<NodeObject>(NODES);
      let set = used;
      if (!set) {
        set = used = new CidrSet(clusterCIDR, nodeMaskSize);
        for (const other of lister.list()) account(set, other.metadata.name!, rangesOf(other));
      }
      const node = lister.get(undefined, name);
      if (!node) {
        // Gone: its range is free again.
        account(set, name, []);
        return;
      }
      if (node.spec?.podCIDR) {
        account(set, name, rangesOf(node));
        return;
      }
      // A range assigned earlier whose patch the cache does not show yet is patched again, not replaced.
      let cidr = held.get(name)?.[0];
      if (!cidr) {
        cidr = set.allocateNext();
        if (!cidr) {
          ctx.recorder.event(node, 'Normal', 'CIDRNotAvailable', `Node ${name} status is now: CIDRNotAvailable`);
          throw new Error(`failed to allocate cidr from cluster cidr ${clusterCIDR}: CIDR allocation failed; there are no remaining CIDRs left to allocate in the accepted range`);
        }
        held.set(name, [cidr]);
      }
      await ctx.client.patch(NODES, undefined, name, { spec: { podCIDR: cidr, podCIDRs: [cidr] } }, { type: 'strategic' });
      ctx.log('set node PodCIDR', { node: name, podCIDRs: [cidr] });
    },
  };
}
