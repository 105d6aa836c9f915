import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';

/** k3s's registries.yaml: `mirrors.<registry>.endpoint[]` and `configs.<host>.auth|tls`. */
export interface RegistriesConfig {
  mirrors?: Record<string, { endpoint?: string[] }>;
  configs?: Record<string, {
    auth?: { username?: string; password?: string; auth?: string; identity_token?: string };
    tls?: { ca_file?: string; cert_file?: string; key_file?: string; insecure_skip_verify?: boolean };
  }>;
}

/** Reads agentDir/registries.yaml (k3s format); an absent file means no mirrors. */
export function readRegistries(path: string): RegistriesConfig {
  if (!existsSync(path)) return {};
  // yaml is loaded only when the file exists (agent memory).
  const { parse } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  return (parse(readFileSync(path, 'utf8')) ?? {}) as RegistriesConfig;
}

/** The upstream server containerd falls back to, matching its default for docker.io. */
function upstream(registry: string): string {
  return registry === 'docker.io' ? 'https://registry-1.docker.io' : `https://${registry}`;
}

function hostOf(endpoint: string): string {
  return endpoint.replace(/^[a-z]+:\/\//, '').replace(/\/.*$/, '');
}

const q = (s: string): string => JSON.stringify(s);

/**
 * Renders one containerd hosts.toml (config_path format) for `registry`: each mirror endpoint in
 * order as a pull/resolve host carrying the TLS settings registries.yaml gives for its host,
 * then the registry itself as `server` (k3s tries mirrors first, then the default endpoint).
 */
export function renderHostsToml(registry: string, config: RegistriesConfig): string {
  const lines = [`server = ${q(upstream(registry))}`, ''];
  for (const endpoint of config.mirrors?.[registry]?.endpoint ?? []) {
    lines.push(`[host.${q(endpoint)}]`, '  capabilities = ["pull", "resolve"]');
    const tls = config.configs?.[hostOf(endpoint)]?.tls;
    if (tls?.ca_file) lines.push(`  ca = ${q(tls.ca_file)}`);
    if (tls?.cert_file && tls.key_file) lines.push(`  client = [[${q(tls.cert_file)}, ${q(tls.key_file)}]]`);
    if (tls?.insecure_skip_verify) lines.push('  skip_verify = true');
    lines.push('');
  }
  return lines.join('\n');
}

/** Writes DIR/<registry>/hosts.toml for every mirrored registry; returns the registries written. */
export function writeHostsDir(certsDir: string, config: RegistriesConfig): string[] {
  const written: string[] = [];
  for (const registry of Object.keys(config.mirrors ?? {})) {
    const dir = join(certsDir, registry === '*' ? '_default' : registry);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'hosts.toml'), renderHostsToml(registry, config));
    written.push(registry);
  }
  return written;
}

/**
 * The CRI plugin's `registry.configs.<host>.auth` tables: containerd 1.6 hosts.toml has no
 * credentials, so k3s's per-host auth goes into config.toml (still honoured with config_path).
 */
export function renderRegistryAuth(config: RegistriesConfig): string {
  const out: string[] = [];
  for (const [host, entry] of Object.entries(config.configs ?? {})) {
    const auth = entry.auth;
    if (!auth) continue;
    out.push(`  [plugins."io.containerd.grpc.v1.cri".registry.configs.${q(host)}.auth]`);
    if (auth.username) out.push(`    username = ${q(auth.username)}`);
    if (auth.password) out.push(`    password = ${q(auth.password)}`);
    if (auth.auth) out.push(`    auth = ${q(auth.auth)}`);
    if (auth.identity_token) out.push(`    identitytoken = ${q(auth.identity_token)}`);
  }
  return out.join('\n');
}
