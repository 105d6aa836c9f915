import { readFileSync } from 'node:fs';
import type { KubeletPod } from './runtime-interface.ts';

/** The cluster DNS the kubelet points pods at (kubelet's --cluster-dns and --cluster-domain). */
export interface ClusterDNS {
  /** Nameserver IPs; empty when no cluster DNS is deployed (ClusterFirst then falls back to Default). */
  servers: string[];
  domain: string;
  /** The host's resolver config (kubelet's --resolv-conf), parsed. */
  host: ResolvConf;
}

/** A parsed resolv.conf. */
export interface ResolvConf {
  servers: string[];
  searches: string[];
  options: string[];
}

/** CRI DNSConfig. */
export interface DnsConfig {
  servers: string[];
  searches: string[];
  options: string[];
}

/** Parses resolv.conf text (nameserver, search/domain, options lines). */
export function parseResolvConf(text: string): ResolvConf {
  const conf: ResolvConf = { servers: [], searches: [], options: [] };
  for (const raw of text.split('\n')) {
    const fields = raw.replace(/[#;].*$/, '').trim().split(/\s+/).filter(Boolean);
    if (fields.length < 2) continue;
    if (fields[0] === 'nameserver') conf.servers.push(fields[1]);
    else if (fields[0] === 'search' || fields[0] === 'domain') conf.searches = fields.slice(1);
    else if (fields[0] === 'options') conf.options.push(...fields.slice(1));
  }
  return conf;
}

/** Reads the host's resolv.conf (an empty config when unreadable). */
export function readHostResolvConf(path = '/etc/resolv.conf'): ResolvConf {
  try {
    return parseResolvConf(readFileSync(path, 'utf8'));
  } catch {
    return { servers: [], searches: [], options: [] };
  }
}

// glibc limits a resolv.conf to 3 nameservers; Kubernetes allows 32 search domains.
const MAX_SERVERS = 3;
const MAX_SEARCHES = 32;

/**
 * The DNS a pod's sandbox gets, as kubelet's network/dns configurer computes it from dnsPolicy:
 * ClusterFirst uses the cluster DNS with `<ns>.svc.<domain> svc.<domain> <domain>` before the
 * host's search list and ndots:5 (hostNetwork pods fall back to Default unless the policy is
 * ClusterFirstWithHostNet); Default copies the host; None starts empty. spec.dnsConfig is then
 * merged in: nameservers and searches appended, options overriding by name.
 */
export function dnsConfigFor(pod: KubeletPod, dns: ClusterDNS): DnsConfig {
  const spec = pod.spec as { dnsPolicy?: string; hostNetwork?: boolean; dnsConfig?: { nameservers?: string[]; searches?: string[]; options?: { name: string; value?: string }[] } };
  let policy = spec.dnsPolicy ?? 'ClusterFirst';
  if (policy === 'ClusterFirst' && spec.hostNetwork) policy = 'Default';
  if ((policy === 'ClusterFirst' || policy === 'ClusterFirstWithHostNet') && dns.servers.length === 0) policy = 'Default';
  let config: DnsConfig;
  if (policy === 'None') {
    config = { servers: [], searches: [], options: [] };
  } else if (policy === 'Default') {
    config = { servers: [...dns.host.servers], searches: [...dns.host.searches], options: [...dns.host.options] };
  } else {
    const ns = pod.metadata.namespace ?? 'default';
    const searches = [`${ns}.svc.${dns.domain}`, `svc.${dns.domain}`, dns.domain, ...dns.host.searches];
    config = { servers: [...dns.servers], searches: [...new Set(searches)], options: ['ndots:5'] };
  }
  const extra = spec.dnsConfig;
  if (extra) {
    config.servers.push(...(extra.nameservers ?? []));
    config.searches = [...new Set([...config.searches, ...(extra.searches ?? [])])];
    const options = new Map(config.options.map((o) => [o.split(':')[0], o]));
    for (const o of extra.options ?? []) options.set(o.name, o.value === undefined ? o.name : `${o.name}:${o.value}`);
    config.options = [...options.values()];
  }
  config.servers = config.servers.slice(0, MAX_SERVERS);
  config.searches = config.searches.slice(0, MAX_SEARCHES);
  return config;
}
