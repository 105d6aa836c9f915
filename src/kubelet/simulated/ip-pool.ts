/**
 * Pod IPs of one simulated node, handed out from its pod CIDR the way the host-local IPAM plugin
 * does: the network address and .1 (the bridge gateway) are skipped, the lowest free address
 * goes first, and an address is free again once its pod is gone.
 */
export class PodIpPool {
  private readonly base: number;
  private readonly size: number;
  private readonly byOwner = new Map<string, number>();
  private readonly used = new Set<number>();

  /** `cidr` is an IPv4 network (`10.42.3.0/24`); throws otherwise. */
  constructor(readonly cidr: string) {
    const match = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
    if (!match) throw new Error(`invalid pod CIDR ${cidr}`);
    const [a, b, c, d, prefix] = match.slice(1).map(Number);
    this.size = 2 ** (32 - prefix);
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    this.base = ((((a << 24) | (b << 16) | (c << 8) | d) >>> 0) & mask) >>> 0;
  }

  /** The address of `owner` (a pod uid), allocating one if needed; undefined when the range is full. */
  allocate(owner: string): string | undefined {
    const have = this.byOwner.get(owner);
    if (have !== undefined) return format(this.base + have);
    // Skip the network address and the gateway (.1); leave out the broadcast address.
    for (let offset = 2; offset < this.size - 1; offset++) {
      if (this.used.has(offset)) continue;
      this.used.add(offset);
      this.byOwner.set(owner, offset);
      return format(this.base + offset);
    }
    return undefined;
  }

  /** Records that `owner` already holds `ip` (a pod found running after a restart); false if outside the range or taken. */
  adopt(owner: string, ip: string): boolean {
    const offset = parse(ip) - this.base;
    if (offset < 0 || offset >= this.size || this.used.has(offset)) return false;
    this.used.add(offset);
    this.byOwner.set(owner, offset);
    return true;
  }

  /** Frees the address of `owner`. */
  release(owner: string): void {
    const offset = this.byOwner.get(owner);
    if (offset === undefined) return;
    this.byOwner.delete(owner);
    this.used.delete(offset);
  }

  /** How many addresses are in use. */
  get inUse(): number {
    return this.used.size;
  }
}

function format(addr: number): string {
  return [24, 16, 8, 0].map((s) => (addr >>> s) & 255).join('.');
}

function parse(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return -1;
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

/**
 * The pod CIDR a simulated node uses before (or without) the node IPAM controller assigning one:
 * a /24 per node index from 10.128.0.0/9, well away from skiff's 10.42.0.0/16.
 */
export function fallbackPodCIDR(index: number): string {
  return `10.${128 + (Math.floor(index / 256) % 128)}.${index % 256}.0/24`;
}
