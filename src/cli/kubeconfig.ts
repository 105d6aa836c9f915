/**
 * The admin kubeconfig `skiff server` writes, shaped like k3s' k3s.yaml: one cluster, one user and
 * one context, all named `default`, with the CA and client credentials embedded as base64 data.
 */
import { chmodSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { stringify } from 'yaml';

/** What goes into a kubeconfig: server URL and PEM credentials. */
export interface KubeconfigOptions {
  /** API server URL, e.g. `https://127.0.0.1:6443`. */
  server: string;
  caCert: string;
  clientCert: string;
  clientKey: string;
  /** Name of the cluster, user and context; `default` like k3s. */
  name?: string;
}

const base64 = (pem: string): string => Buffer.from(pem, 'utf8').toString('base64');

/**
 * Renders a kubeconfig (apiVersion v1, kind Config) whose current-context is the single context.
 * Field names are those of clientcmd's v1 Config: `certificate-authority-data`,
 * `client-certificate-data`, `client-key-data`. The result is valid YAML that kubectl loads.
 */
export function kubeconfigYaml(opts: KubeconfigOptions): string {
  const name = opts.name ?? 'default';
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { 'certificate-authority-data': base64(opts.caCert), server: opts.server } }],
    contexts: [{ name, context: { cluster: name, user: name } }],
    'current-context': name,
    preferences: {},
    users: [{ name, user: { 'client-certificate-data': base64(opts.clientCert), 'client-key-data': base64(opts.clientKey) } }],
  };
  // Long base64 strings must stay on one line; yaml would otherwise fold them.
  return stringify(config, { lineWidth: 0 });
}

/**
 * Writes a kubeconfig with mode 0600 (it holds a private key), creating parent directories.
 * The file is replaced atomically, so a concurrent kubectl never reads half a file.
 */
export function writeKubeconfig(path: string, yaml: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, yaml, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}
