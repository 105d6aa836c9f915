/**
 * Service environment variables (pkg/kubelet/envvars): `{NAME}_SERVICE_HOST`, `_SERVICE_PORT`,
 * one `_SERVICE_PORT_{PORT}` per named port, and the Docker link variables, for the Services a
 * pod can see.
 */
import type { KubeObject } from '../../api/object.ts';

interface ServicePort {
  name?: string;
  port: number;
  protocol?: string;
}

interface ServiceSpec {
  clusterIP?: string;
  ports?: ServicePort[];
}

/** Services whose variables the kubelet always adds: the API server's, from `default`. */
const MASTER_SERVICES = new Set(['kubernetes']);

/** `my-svc` -> `MY_SVC` (makeEnvVariableName). */
function envName(name: string): string {
  return name.replaceAll('-', '_').toUpperCase();
}

/** host:port, with brackets for IPv6 (net.JoinHostPort). */
function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** IsServiceIPSet: headless (`None`) and IP-less services get no variables. */
function hasClusterIP(service: KubeObject): boolean {
  const ip = (service.spec as ServiceSpec | undefined)?.clusterIP;
  return Boolean(ip) && ip !== 'None';
}

function linkVariables(prefix: string, clusterIP: string, ports: ServicePort[]): [string, string][] {
  const out: [string, string][] = [];
  ports.forEach((sp, i) => {
    const protocol = sp.protocol || 'TCP';
    const lower = protocol.toLowerCase();
    const url = `${lower}://${joinHostPort(clusterIP, sp.port)}`;
    // Docker special-cases the first port.
    if (i === 0) out.push([`${prefix}_PORT`, url]);
    const portPrefix = `${prefix}_PORT_${sp.port}_${protocol.toUpperCase()}`;
    out.push([portPrefix, url], [`${portPrefix}_PROTO`, lower], [`${portPrefix}_PORT`, String(sp.port)], [`${portPrefix}_ADDR`, clusterIP]);
  });
  return out;
}

/** The variables of the given services, in the order envvars.FromServices produces them. */
export function serviceVariables(services: KubeObject[]): [string, string][] {
  const out: [string, string][] = [];
  for (const service of services) {
    const spec = service.spec as ServiceSpec;
    const ports = spec.ports ?? [];
    if (!hasClusterIP(service) || ports.length === 0) continue;
    const prefix = envName(service.metadata.name ?? '');
    out.push([`${prefix}_SERVICE_HOST`, spec.clusterIP!], [`${prefix}_SERVICE_PORT`, String(ports[0].port)]);
    for (const sp of ports) if (sp.name) out.push([`${prefix}_SERVICE_PORT_${envName(sp.name)}`, String(sp.port)]);
    out.push(...linkVariables(prefix, spec.clusterIP!, ports));
  }
  return out;
}

/**
 * The Services whose variables a pod gets (getServiceEnvVarMap): every Service of
 * its namespace (`own`) when service links are enabled, and always `kubernetes` from `default`. Services
 * are keyed by name, so a same-named Service in the pod's namespace wins over `default`'s.
 */
export function visibleServices(enableServiceLinks: boolean, own: KubeObject[], inDefault: KubeObject[]): KubeObject[] {
  const byName = new Map<string, KubeObject>();
  for (const service of inDefault) {
    const name = service.metadata.name ?? '';
    if (MASTER_SERVICES.has(name) && hasClusterIP(service)) byName.set(name, service);
  }
  if (enableServiceLinks) for (const service of own) if (hasClusterIP(service)) byName.set(service.metadata.name ?? '', service);
  return [...byName.values()];
}
