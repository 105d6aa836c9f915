/**
 * Reads the credentials the benchmarks need from a kubeconfig: the current context's server URL,
 * cluster CA and user client certificate/key (inline `-data` fields or file paths, as kubectl
 * accepts both) or bearer token.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';

/** What a client needs to reach and authenticate to the API server. */
export interface Credentials {
  /** Base URL, e.g. `https://127.0.0.1:6443`. */
  server: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  token?: string;
}

type Fields = Record<string, unknown>;

function pick(list: unknown, name: string | undefined, field: string): Fields {
  const items = (Array.isArray(list) ? list : []) as Fields[];
  const found = (name ? items.find((i) => i.name === name) : undefined) ?? items[0];
  const value = found?.[field];
  if (!value || typeof value !== 'object') throw new Error(`kubeconfig has no ${field} ${name ?? ''}`.trim());
  return value as Fields;
}

/** Inline base64 `<key>-data` wins over the `<key>` file path, which is relative to the kubeconfig. */
function material(fields: Fields, key: string, baseDir: string): Buffer | undefined {
  const inline = fields[`${key}-data`];
  if (typeof inline === 'string') return Buffer.from(inline, 'base64');
  const path = fields[key];
  if (typeof path === 'string') return readFileSync(resolve(baseDir, path));
  return undefined;
}

/** Parses kubeconfig text; `baseDir` resolves relative certificate paths. Throws when no server is named. */
export function parseKubeconfig(text: string, baseDir = '.'): Credentials {
  const doc = (parseYaml(text) ?? {}) as Fields;
  const contextName = typeof doc['current-context'] === 'string' ? doc['current-context'] : undefined;
  let clusterName: string | undefined;
  let userName: string | undefined;
  try {
    const ctx = pick(doc.contexts, contextName, 'context');
    clusterName = ctx.cluster as string | undefined;
    userName = ctx.user as string | undefined;
  } catch {
    // No contexts: fall back to the first cluster and user, as a minimal kubeconfig allows.
  }
  const cluster = pick(doc.clusters, clusterName, 'cluster');
  const user = pick(doc.users, userName, 'user');
  if (typeof cluster.server !== 'string') throw new Error('kubeconfig cluster has no server');
  return {
    server: cluster.server,
    ca: material(cluster, 'certificate-authority', baseDir),
    cert: material(user, 'client-certificate', baseDir),
    key: material(user, 'client-key', baseDir),
    token: typeof user.token === 'string' ? user.token : undefined,
  };
}

/** Reads and parses the kubeconfig file at `path`. */
export function loadKubeconfig(path: string): Credentials {
  return parseKubeconfig(readFileSync(path, 'utf8'), dirname(resolve(path)));
}
