import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { createRequire } from 'node:module';

/** How to reach and authenticate to an API server. PEM strings, not file names. */
export interface ClientConfig {
  /** Base URL, `https://127.0.0.1:6443`. */
  server: string;
  /** CA bundle (PEM) that signed the server's certificate; the system roots when absent. */
  ca?: string;
  /** Client certificate and key (PEM) for x509 authentication. */
  cert?: string;
  key?: string;
  /** Bearer token (service-account or bootstrap token). */
  token?: string;
  /** Skip server certificate verification (kubeconfig's insecure-skip-tls-verify). */
  insecureSkipTLSVerify?: boolean;
  /** User-Agent sent on every request; the API derives default field managers from its first segment. */
  userAgent?: string;
}

interface NamedCluster { name: string; cluster: Record<string, unknown> }
interface NamedUser { name: string; user: Record<string, unknown> }
interface NamedContext { name: string; context: { cluster: string; user: string; namespace?: string } }
interface KubeconfigFile {
  clusters?: NamedCluster[];
  users?: NamedUser[];
  contexts?: NamedContext[];
  'current-context'?: string;
}

/** The parts of a kubeconfig one context selects, resolved to PEM strings. */
export interface ResolvedKubeconfig extends ClientConfig {
  /** The context's default namespace (`default` when unset, as kubectl does). */
  namespace: string;
}

/**
 * Reads a kubeconfig file and resolves one context (the current one by default) to a client
 * configuration. Supports inline `*-data` fields (base64) and file references (relative paths
 * resolve against the kubeconfig's folder, as client-go does), tokens and token files.
 */
export function loadKubeconfig(path: string, context?: string): ResolvedKubeconfig {
  // yaml is loaded on first use: a node agent, which imports the client but reads no kubeconfig, stays 2 MiB smaller.
  const { parse: parseYaml } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  const doc = parseYaml(readFileSync(path, 'utf8')) as KubeconfigFile | null;
  if (!doc) throw new Error(`kubeconfig ${path} is empty`);
  const contextName = context ?? doc['current-context'];
  const ctx = doc.contexts?.find((c) => c.name === contextName)?.context;
  if (!ctx) throw new Error(`context "${contextName ?? ''}" not found in kubeconfig ${path}`);
  const cluster = doc.clusters?.find((c) => c.name === ctx.cluster)?.cluster;
  if (!cluster) throw new Error(`cluster "${ctx.cluster}" not found in kubeconfig ${path}`);
  const user = doc.users?.find((u) => u.name === ctx.user)?.user ?? {};
  const base = dirname(path);
  const config: ResolvedKubeconfig = { server: String(cluster.server ?? ''), namespace: ctx.namespace || 'default' };
  if (!config.server) throw new Error(`cluster "${ctx.cluster}" has no server in kubeconfig ${path}`);
  const ca = pem(cluster, 'certificate-authority', base);
  if (ca) config.ca = ca;
  if (cluster['insecure-skip-tls-verify'] === true) config.insecureSkipTLSVerify = true;
  const cert = pem(user, 'client-certificate', base);
  const key = pem(user, 'client-key', base);
  if (cert) config.cert = cert;
  if (key) config.key = key;
  const token = typeof user.token === 'string' ? user.token : typeof user.tokenFile === 'string' ? readFileSync(resolvePath(base, user.tokenFile), 'utf8').trim() : undefined;
  if (token) config.token = token;
  return config;
}

/** A PEM value from `<field>-data` (base64) or `<field>` (a file path). */
function pem(section: Record<string, unknown>, field: string, base: string): string | undefined {
  const data = section[`${field}-data`];
  if (typeof data === 'string' && data) return Buffer.from(data, 'base64').toString('utf8');
  const file = section[field];
  if (typeof file === 'string' && file) return readFileSync(resolvePath(base, file), 'utf8');
  return undefined;
}

function resolvePath(base: string, file: string): string {
  return isAbsolute(file) ? file : resolve(base, file);
}
