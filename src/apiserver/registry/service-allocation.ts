import { randomInt } from 'node:crypto';
import { invalid } from '../../api/errors.ts';
import type { KubeObject } from '../../api/object.ts';
import type { StoreLookup } from '../handlers/context.ts';
import { registerStrategy } from './strategy.ts';

/** The service CIDR (k3s default 10.43.0.0/16); .1 is the `kubernetes` Service, .10 cluster DNS. */
export const SERVICE_CIDR = { base: (10 << 24) | (43 << 16), size: 1 << 16 };
export const KUBERNETES_SERVICE_IP = '10.43.0.1';
const NODE_PORT_RANGE = { min: 30000, max: 32767 };

interface ServicePort {
  port?: number;
  nodePort?: number;
}

interface ServiceSpec {
  type?: string;
  clusterIP?: string;
  clusterIPs?: string[];
  ports?: ServicePort[];
}

function ipToString(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function ipToNumber(ip: string): number | undefined {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

/**
 * ClusterIP and NodePort allocation for Services, as the Kubernetes service registry does on
 * create: a free IP from the service CIDR (or the requested one, if free), node ports from
 * 30000-32767 for NodePort and LoadBalancer services. Used values are read from the cache plus
 * those reserved by creates still in flight.
 */
export function registerServiceAllocation(stores: StoreLookup): void {
  const pendingIps = new Set<string>();
  const pendingPorts = new Set<number>();
  const used = () => {
    const ips = new Set(pendingIps);
    const ports = new Set(pendingPorts);
    const store = stores.byResource('', 'services');
    for (const entry of store ? store.peekAll() : []) {
      const spec = entry.spec as ServiceSpec | undefined;
      if (spec?.clusterIP) ips.add(spec.clusterIP);
      for (const p of spec?.ports ?? []) if (p.nodePort) ports.add(p.nodePort);
    }
    return { ips, ports };
  };

  const allocate = (service: KubeObject): void => {
    const spec = (service.spec ??= {}) as ServiceSpec;
    const name = service.metadata.name ?? '';
    const { ips, ports } = used();
    if (spec.type !== 'ExternalName' && spec.clusterIP !== 'None') {
      const requested = spec.clusterIP || spec.clusterIPs?.[0];
      if (requested) {
        const n = ipToNumber(requested);
        if (n === undefined || n >>> 16 !== SERVICE_CIDR.base >>> 16) {
          throw invalid('Service', '', name, [{ reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: `Invalid value: ["${requested}"]: failed to allocate IP ${requested}: the provided IP (${requested}) is not in the valid range. The range of valid IPs is 10.43.0.0/16` }]);
        }
        if (ips.has(requested)) {
          throw invalid('Service', '', name, [{ reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: `Invalid value: ["${requested}"]: failed to allocate IP ${requested}: provided IP is already allocated` }]);
        }
        spec.clusterIP = requested;
      } else {
        spec.clusterIP = freeIp(ips);
      }
      spec.clusterIPs = [spec.clusterIP];
      pendingIps.add(spec.clusterIP);
    } else if (spec.clusterIP === 'None') {
      spec.clusterIPs = ['None'];
    }
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') {
      for (const port of spec.ports ?? []) {
        if (!port.nodePort) port.nodePort = freePort(ports);
        ports.add(port.nodePort);
        pendingPorts.add(port.nodePort);
      }
    }
    // Reservations last until the write settles and the cache shows (or no longer needs) them.
    setTimeout(() => {
      if (spec.clusterIP) pendingIps.delete(spec.clusterIP);
      for (const p of spec.ports ?? []) if (p.nodePort) pendingPorts.delete(p.nodePort);
    }, 5000).unref();
  };

  registerStrategy('', 'services', {
    // Allocation reads the IPs and ports in use from the cache, which must include other servers' services.
    readsCache: true,
    prepareForCreate: allocate,
    prepareForUpdate(service, old) {
      const spec = (service.spec ??= {}) as ServiceSpec;
      const oldSpec = (old.spec ?? {}) as ServiceSpec;
      // An update that omits the allocated values keeps them (Kubernetes' patchAllocatedValues).
      if (!spec.clusterIP && oldSpec.clusterIP && spec.type !== 'ExternalName') {
        spec.clusterIP = oldSpec.clusterIP;
        spec.clusterIPs = oldSpec.clusterIPs;
      }
      if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') {
        const { ports } = used();
        for (const port of spec.ports ?? []) {
          const previous = oldSpec.ports?.find((p) => p.port === port.port)?.nodePort;
          if (!port.nodePort) port.nodePort = previous ?? freePort(ports);
          ports.add(port.nodePort);
        }
      }
    },
  });
}

function freeIp(used: Set<string>): string {
  // Random probing like Kubernetes' allocator, skipping the network address and .1 (the kubernetes Service).
  for (let i = 0; i < 1000; i++) {
    const ip = ipToString(SERVICE_CIDR.base + 2 + randomInt(SERVICE_CIDR.size - 3));
    if (!used.has(ip) && ip !== '10.43.0.10') return ip;
  }
  for (let n = 2; n < SERVICE_CIDR.size - 1; n++) {
    const ip = ipToString(SERVICE_CIDR.base + n);
    if (!used.has(ip) && ip !== '10.43.0.10') return ip;
  }
  throw new Error('range is full');
}

function freePort(used: Set<number>): number {
  for (let i = 0; i < 1000; i++) {
    const port = NODE_PORT_RANGE.min + randomInt(NODE_PORT_RANGE.max - NODE_PORT_RANGE.min + 1);
    if (!used.has(port)) return port;
  }
  throw new Error('node port range is full');
}
