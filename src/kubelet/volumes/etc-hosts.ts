/**
 * The per-pod /etc/hosts the kubelet writes and mounts into every container
 * (managedHostsFileContent): localhost entries, the pod's IPs with its hostname (and FQDN when
 * the pod has a subdomain), then the pod's hostAliases. Pods on the host network get the node's
 * /etc/hosts plus their hostAliases instead (nodeHostsFileContent).
 */
import { readFileSync } from 'node:fs';
import type { KubeletPod } from '../runtime-interface.ts';

/** The first line of every file the kubelet manages. */
export const MANAGED_HOSTS_HEADER = '# Kubernetes-managed hosts file.\n';
/** Kubernetes' host name limit. */
const MAX_HOSTNAME = 63;

interface HostAlias {
  ip?: string;
  hostnames?: string[];
}

/** The pod's hostname and domain (GeneratePodHostNameAndDomain): spec.hostname or the name, at most 63 chars. */
export function podHostname(pod: KubeletPod, clusterDomain: string): { hostname: string; domain: string } {
  const spec = pod.spec as { hostname?: string; subdomain?: string };
  let hostname = spec.hostname || pod.metadata.name || '';
  // Truncation must not leave a trailing '-' or '.' (truncatePodHostnameIfNeeded).
  if (hostname.length > MAX_HOSTNAME) hostname = hostname.slice(0, MAX_HOSTNAME).replace(/[-.]+$/, '');
  const domain = spec.subdomain ? `${spec.subdomain}.${pod.metadata.namespace ?? 'default'}.svc.${clusterDomain}` : '';
  return { hostname, domain };
}

function aliasLines(aliases: HostAlias[] | undefined): string {
  if (!aliases || aliases.length === 0) return '';
  let out = '\n# Entries added by HostAliases.\n';
  for (const alias of aliases) out += `${alias.ip ?? ''}\t${(alias.hostnames ?? []).join('\t')}\n`;
  return out;
}

/** The hosts file content of a pod with its own network namespace. */
export function managedHostsFile(pod: KubeletPod, podIPs: string[], clusterDomain: string): string {
  const { hostname, domain } = podHostname(pod, clusterDomain);
  let out = MANAGED_HOSTS_HEADER;
  out += '127.0.0.1\tlocalhost\n';
  out += '::1\tlocalhost ip6-localhost ip6-loopback\n';
  out += 'fe00::0\tip6-localnet\n';
  out += 'fe00::0\tip6-mcastprefix\n';
  out += 'fe00::1\tip6-allnodes\n';
  out += 'fe00::2\tip6-allrouters\n';
  for (const ip of podIPs) out += domain ? `${ip}\t${hostname}.${domain}\t${hostname}\n` : `${ip}\t${hostname}\n`;
  return out + aliasLines(pod.spec.hostAliases as HostAlias[] | undefined);
}

/** The hosts file of a host-network pod: the node's own file plus the pod's aliases. */
export function nodeHostsFile(pod: KubeletPod, nodeHostsPath = '/etc/hosts'): string {
  let base = '';
  try {
    base = readFileSync(nodeHostsPath, 'utf8');
  } catch {
    base = '';
  }
  return base + aliasLines(pod.spec.hostAliases as HostAlias[] | undefined);
}
