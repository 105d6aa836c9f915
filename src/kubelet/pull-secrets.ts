import type { KubeletPod, PullAuth } from './runtime-interface.ts';

/** The two Secret types that carry registry credentials, and their data keys. */
export const DOCKER_CONFIG_JSON = { type: 'kubernetes.io/dockerconfigjson', key: '.dockerconfigjson' } as const;
export const DOCKER_CFG = { type: 'kubernetes.io/dockercfg', key: '.dockercfg' } as const;

/** The parts of a core/v1 Secret the keyring reads. `data` values are base64, as the API serves them. */
export interface PullSecret {
  type?: string;
  data?: Record<string, string>;
}

/** One registry's entry in a docker config (`auths.<registry>` or a dockercfg key). */
interface ConfigEntry {
  username?: string;
  password?: string;
  email?: string;
  auth?: string;
}

/** Docker Hub's canonical credential key: `docker.io` images fall back to it. */
const DEFAULT_REGISTRY_HOST = 'index.docker.io';

/**
 * Registry credentials keyed by schemeless registry URL, matched against image repositories the
 * way kubelet's credentialprovider BasicDockerKeyring does: a key matches when the port is equal,
 * the host has the same number of dot-separated parts with each part a glob match (`*.example.com`),
 * and the key's path is a prefix of the image's path. Keys are tried in reverse lexical order (so
 * `host/ns` before `host`); Docker Hub images fall back to `index.docker.io` credentials.
 */
export class DockerKeyring {
  private readonly creds = new Map<string, PullAuth[]>();
  private index: string[] = [];

  /** Adds every entry of one docker config (registry -> credentials). */
  add(config: Record<string, ConfigEntry>): void {
    for (const [location, entry] of Object.entries(config)) {
      const key = keyringKey(location);
      if (key === undefined) continue; // kubelet skips entries whose location does not parse
      const auth: PullAuth = { username: entry.username ?? '', password: entry.password ?? '' };
      const list = this.creds.get(key) ?? [];
      if (!list.some((a) => a.username === auth.username && a.password === auth.password)) list.push(auth);
      this.creds.set(key, list);
      if (!this.index.includes(key)) this.index.push(key);
    }
    this.index = [...this.index].sort().reverse();
  }

  /** Credentials for a normalized repository (`docker.io/library/busybox`), best match first; [] if none. */
  lookup(repository: string): PullAuth[] {
    const found: PullAuth[] = [];
    for (const key of this.index) if (urlsMatch(key, repository)) found.push(...this.creds.get(key)!);
    if (found.length) return found;
    if (isDefaultRegistryMatch(repository)) return this.creds.get(DEFAULT_REGISTRY_HOST) ?? [];
    return [];
  }
}

/** A schemeless URL split as Go's url.Parse would: authority (`host[:port]`) and path (`/...` or ''). */
function splitUrl(value: string): { host: string; port: string; path: string } {
  const rest = value.replace(/^https?:\/\//, '');
  const slash = rest.indexOf('/');
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? '' : rest.slice(slash);
  // net.SplitHostPort: a trailing :port (IPv6 literals in brackets).
  const m = /^(\[[^\]]*\]|[^:]*):(\d*)$/.exec(authority);
  return m ? { host: m[1]!, port: m[2]!, path } : { host: authority, port: '', path };
}

/** A docker config location (`https://index.docker.io/v1/`, `host:5000/ns`) as a keyring key. */
function keyringKey(location: string): string | undefined {
  const rest = location.replace(/^https?:\/\//, '');
  const slash = rest.indexOf('/');
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  if (!authority) return undefined;
  let path = slash < 0 ? '' : rest.slice(slash);
  // The docker client treats /v1/ and /v2/ as the bare host (docker's ResolveAuthConfig).
  if (path.startsWith('/v2/') || path.startsWith('/v1/')) path = path.slice(3);
  return path.length > 0 && path !== '/' ? authority + path : authority;
}

/** credentialprovider.URLsMatch: port equal, same host part count with per-part globs, key path a prefix. */
function urlsMatch(glob: string, target: string): boolean {
  const g = splitUrl(glob);
  const t = splitUrl(target);
  if (g.port !== t.port) return false;
  const gParts = g.host.split('.');
  const tParts = t.host.split('.');
  if (gParts.length !== tParts.length) return false;
  if (!t.path.startsWith(g.path)) return false;
  return gParts.every((part, i) => globMatch(part, tParts[i]!));
}

/** Go's filepath.Match for one host label: `*` any run, `?` one character, `[...]` classes. */
function globMatch(pattern: string, name: string): boolean {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) return false; // Go: ErrBadPattern, which kubelet treats as no match
      source += `[${pattern.slice(i + 1, end)}]`; // same class syntax, `^` negates in both
      i = end;
    } else source += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`).test(name);
}

/** Whether an image (repository) pulls from Docker Hub: `busybox`, `library/x`, `docker.io/...`, `user/x`. */
function isDefaultRegistryMatch(image: string): boolean {
  const slash = image.indexOf('/');
  const first = slash < 0 ? image : image.slice(0, slash);
  if (!first) return false;
  if (slash < 0) return true;
  if (first === 'docker.io' || first === 'index.docker.io') return true;
  // Docker reads a first component with "." or ":" as a registry host, anything else as a Hub user.
  return !/[.:]/.test(first);
}

/** Decodes a docker config `auth` field, base64("user:password"). */
function decodeAuthField(auth: string): { username: string; password: string } {
  const decoded = Buffer.from(auth, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new Error('unable to parse auth field, must be formatted as base64(username:password)');
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** One docker config's entries with `auth` decoded into username/password (it wins over them, as in kubelet). */
function entriesOf(raw: unknown): Record<string, ConfigEntry> {
  const out: Record<string, ConfigEntry> = {};
  if (!raw || typeof raw !== 'object') return out;
  for (const [location, value] of Object.entries(raw as Record<string, ConfigEntry>)) {
    if (!value || typeof value !== 'object') continue;
    out[location] = value.auth ? { ...value, ...decodeAuthField(value.auth) } : value;
  }
  return out;
}

/**
 * Builds the keyring of a pod's pull secrets (credentialprovider/secrets.MakeDockerKeyring):
 * `kubernetes.io/dockerconfigjson` secrets contribute their `.dockerconfigjson` `auths`,
 * `kubernetes.io/dockercfg` secrets their `.dockercfg` map; other types are ignored. Throws on a
 * secret whose config is not valid JSON or has a malformed `auth`, as kubelet fails the pull then.
 */
export function keyringFromSecrets(secrets: PullSecret[]): DockerKeyring {
  const keyring = new DockerKeyring();
  for (const secret of secrets) {
    const json = secret.type === DOCKER_CONFIG_JSON.type ? secret.data?.[DOCKER_CONFIG_JSON.key]
      : secret.type === DOCKER_CFG.type ? secret.data?.[DOCKER_CFG.key] : undefined;
    if (!json) continue;
    const parsed = JSON.parse(Buffer.from(json, 'base64').toString('utf8')) as Record<string, unknown>;
    keyring.add(entriesOf(secret.type === DOCKER_CONFIG_JSON.type ? parsed.auths : parsed));
  }
  return keyring;
}

/**
 * The repository an image pulls from, normalized as docker's reference parser does
 * (`busybox:1` -> `docker.io/library/busybox`, `host:5000/x@sha256:..` -> `host:5000/x`).
 */
export function imageRepository(image: string): string {
  let name = image.split('@')[0]!;
  const lastSlash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon > lastSlash) name = name.slice(0, colon);
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  const hasHost = slash >= 0 && (/[.:]/.test(first) || first === 'localhost');
  if (hasHost) return first === 'index.docker.io' ? `docker.io${name.slice(slash)}` : name;
  return slash < 0 ? `docker.io/library/${name}` : `docker.io/${name}`;
}

/** What a pod's pull secrets give for one image: credentials to try in order, and the secrets that could not be read. */
export interface PullCredentials {
  auths: PullAuth[];
  missing: string[];
}

/** Reads one Secret; resolves undefined when it cannot be read (absent, forbidden, API down). */
export type SecretGetter = (namespace: string, name: string) => Promise<PullSecret | undefined>;

/**
 * The credentials a pod's `spec.imagePullSecrets` give for `image`, kubelet's
 * getPullSecretsForPod + keyring lookup: entries with an empty name are ignored, unreadable secrets
 * are reported in `missing` (kubelet warns and pulls anyway). Rejects when a secret's config is
 * malformed (kubelet's pull then fails with that error).
 */
export async function podPullCredentials(pod: KubeletPod, image: string, getSecret: SecretGetter): Promise<PullCredentials> {
  const refs = (pod.spec.imagePullSecrets as { name?: string }[] | undefined) ?? [];
  const secrets: PullSecret[] = [];
  const missing: string[] = [];
  for (const ref of refs) {
    if (!ref?.name) continue;
    const secret = await getSecret(pod.metadata.namespace ?? 'default', ref.name);
    if (secret) secrets.push(secret);
    else missing.push(ref.name);
  }
  const auths = secrets.length ? keyringFromSecrets(secrets).lookup(imageRepository(image)) : [];
  return { auths, missing };
}

/** kubelet's FailedToRetrieveImagePullSecret warning for the secrets it could not read. */
export function missingSecretsMessage(missing: string[]): string {
  return `Unable to retrieve some image pull secrets (${missing.join(', ')}); attempting to pull the image may not succeed.`;
}
