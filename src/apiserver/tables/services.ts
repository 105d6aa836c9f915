/**
 * Printers for service networking: Services, Endpoints, EndpointSlices, Ingresses, IngressClasses
 * and NetworkPolicies, with the columns of Kubernetes 1.32.
 */
import type { V1EndpointSlice, V1Endpoints, V1Ingress, V1IngressClass, V1NetworkPolicy, V1Service } from '@kubernetes/client-node';
import { doc } from './descriptions.ts';
import { creationAge } from './duration.ts';
import { formatLabels, formatLabelSelector, listWithMore } from './format.ts';
import { ageColumn, column, nameColumn, type Printer } from './printer.ts';

/** Unique load-balancer IPs (or hostnames), sorted, comma-joined. Never clipped: the server prints wide. */
function loadBalancerIngress(ingress: Array<{ ip?: string; hostname?: string }> | undefined): string {
  const found = new Set<string>();
  for (const entry of ingress ?? []) {
    if (entry.ip) found.add(entry.ip);
    else if (entry.hostname) found.add(entry.hostname);
  }
  return [...found].sort().join(',');
}

function externalIP(svc: V1Service): string {
  const spec = svc.spec ?? {};
  const externalIPs = spec.externalIPs ?? [];
  switch (spec.type ?? 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerIngress(svc.status?.loadBalancer?.ingress);
      if (externalIPs.length > 0) return [...(lb ? lb.split(',') : []), ...externalIPs].join(',');
      return lb || '<pending>';
    }
    case 'ExternalName':
      return spec.externalName ?? '';
    default:
      return '<unknown>';
  }
}

function portString(svc: V1Service): string {
  const pieces = (svc.spec?.ports ?? []).map((p) => {
    const protocol = p.protocol ?? 'TCP';
    return p.nodePort ? `${p.port}:${p.nodePort}/${protocol}` : `${p.port}/${protocol}`;
  });
  return pieces.length > 0 ? pieces.join(',') : '<none>';
}

/** The Service printer: NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE | SELECTOR. */
export const servicePrinter: Printer = {
  columns: [
    nameColumn(),
    column('Type', 'string', doc('V1ServiceSpec', 'type')),
    column('Cluster-IP', 'string', doc('V1ServiceSpec', 'clusterIP')),
    column('External-IP', 'string', doc('V1ServiceSpec', 'externalIPs')),
    column('Port(s)', 'string', doc('V1ServiceSpec', 'ports')),
    ageColumn(),
    column('Selector', 'string', doc('V1ServiceSpec', 'selector'), 1),
  ],
  print(object, ctx) {
    const svc = object as unknown as V1Service;
    const spec = svc.spec ?? {};
    const clusterIP = spec.clusterIPs?.[0] || spec.clusterIP || '<none>';
    return { cells: [object.metadata.name, spec.type ?? 'ClusterIP', clusterIP, externalIP(svc), portString(svc), creationAge(ctx, object), formatLabels(spec.selector)] };
  },
};

/** Up to three `ip:port` endpoints with "+ N more...", as the printers' formatEndpoints. */
function formatEndpoints(endpoints: V1Endpoints): string {
  const subsets = endpoints.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const max = 3;
  const list: string[] = [];
  let more = false;
  let count = 0;
  const add = (text: string): boolean => {
    if (list.length === max) {
      more = true;
      return false;
    }
    list.push(text);
    return true;
  };
  for (const subset of subsets) {
    const addresses = subset.addresses ?? [];
    // Headless services may publish addresses without ports.
    const ports = subset.ports ?? [];
    if (ports.length === 0) {
      count += addresses.length;
      for (const address of addresses) if (!add(address.ip)) break;
      continue;
    }
    for (const port of ports) {
      count += addresses.length;
      for (const address of addresses) {
        const host = address.ip.includes(':') ? `[${address.ip}]` : address.ip;
        if (!add(`${host}:${port.port}`)) break;
      }
    }
  }
  const joined = list.join(',');
  return more ? `${joined} + ${count - max} more...` : joined;
}

/** The Endpoints printer: NAME ENDPOINTS AGE. */
export const endpointsPrinter: Printer = {
  columns: [nameColumn(), column('Endpoints', 'string', doc('V1Endpoints', 'subsets')), ageColumn()],
  print(object, ctx) {
    return { cells: [object.metadata.name, formatEndpoints(object as unknown as V1Endpoints), creationAge(ctx, object)] };
  },
};

/** Takes the first `max` of a list, remembering whether more were dropped. */
function firstOf(values: string[], max = 3): string {
  return listWithMore(values.slice(0, max), values.length > max, values.length, max);
}

/** The EndpointSlice printer: NAME ADDRESSTYPE PORTS ENDPOINTS AGE. */
export const endpointSlicePrinter: Printer = {
  columns: [
    nameColumn(),
    column('AddressType', 'string', doc('V1EndpointSlice', 'addressType')),
    column('Ports', 'string', doc('V1EndpointSlice', 'ports')),
    column('Endpoints', 'string', doc('V1EndpointSlice', 'endpoints')),
    ageColumn(),
  ],
  print(object, ctx) {
    const slice = object as unknown as V1EndpointSlice;
    const ports = (slice.ports ?? []).map((p) => (p.port !== undefined && p.port !== null ? String(p.port) : (p.name ?? '*')));
    const addresses = (slice.endpoints ?? []).flatMap((e) => e.addresses ?? []);
    return { cells: [object.metadata.name, slice.addressType ?? '', firstOf(ports), firstOf(addresses), creationAge(ctx, object)] };
  },
};

/** Up to three rule hosts with "+ N more...", or `*`, as the printers' formatHosts. */
function formatHosts(rules: Array<{ host?: string }>): string {
  const max = 3;
  const list: string[] = [];
  let more = false;
  for (const rule of rules) {
    if (list.length === max) more = true;
    if (!more && rule.host) list.push(rule.host);
  }
  if (list.length === 0) return '*';
  const joined = list.join(',');
  return more ? `${joined} + ${rules.length - max} more...` : joined;
}

/** The Ingress printer: NAME CLASS HOSTS ADDRESS PORTS AGE. */
export const ingressPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Class', 'string', 'The name of the IngressClass resource that should be used for additional configuration'),
    column('Hosts', 'string', 'Hosts that incoming requests are matched against before the ingress rule'),
    column('Address', 'string', 'Address is a list containing ingress points for the load-balancer'),
    column('Ports', 'string', 'Ports of TLS configurations that open'),
    ageColumn(),
  ],
  print(object, ctx) {
    const ing = object as unknown as V1Ingress;
    const ports = (ing.spec?.tls ?? []).length > 0 ? '80, 443' : '80';
    const address = loadBalancerIngress(ing.status?.loadBalancer?.ingress);
    return { cells: [object.metadata.name, ing.spec?.ingressClassName ?? '<none>', formatHosts(ing.spec?.rules ?? []), address, ports, creationAge(ctx, object)] };
  },
};

/** The IngressClass printer: NAME CONTROLLER PARAMETERS AGE. */
export const ingressClassPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Controller', 'string', 'Controller that is responsible for handling this class'),
    column('Parameters', 'string', 'A reference to a resource with additional parameters'),
    ageColumn(),
  ],
  print(object, ctx) {
    const ic = object as unknown as V1IngressClass;
    const p = ic.spec?.parameters;
    const parameters = p ? `${p.kind}${p.apiGroup !== undefined && p.apiGroup !== null ? `.${p.apiGroup}` : ''}/${p.name}` : '<none>';
    return { cells: [object.metadata.name, ic.spec?.controller ?? '', parameters, creationAge(ctx, object)] };
  },
};

/** The NetworkPolicy printer: NAME POD-SELECTOR AGE. */
export const networkPolicyPrinter: Printer = {
  columns: [nameColumn(), column('Pod-Selector', 'string', doc('V1NetworkPolicySpec', 'podSelector')), ageColumn()],
  print(object, ctx) {
    const np = object as unknown as V1NetworkPolicy;
    // podSelector is a struct, not a pointer, in Kubernetes: an absent one is the empty selector.
    return { cells: [object.metadata.name, formatLabelSelector(np.spec?.podSelector ?? {}), creationAge(ctx, object)] };
  },
};
