/**
 * A container's environment as the kubelet builds it (makeEnvironmentVariables): envFrom sources
 * first, then `env` in order (values `$(VAR)`-expanded against what came before and the service
 * variables; valueFrom resolved through the API), then the service variables not already set.
 * Failures reject with the message kubelet shows under CreateContainerConfigError.
 */
import type { KubeObject } from '../../api/object.ts';
import { containerResourceValue, podFieldValue, withAllocatableLimits } from '../downward-api.ts';
import type { ContainerSpec, EnvFromSpec, EnvVarSpec, KubeletPod } from '../runtime-interface.ts';
import { expand, mappingFor } from './expansion.ts';
import { serviceVariables, visibleServices } from './service-env.ts';

/** Where the kubelet reads referenced objects. Getters resolve undefined for a missing object. */
export interface EnvSource {
  getConfigMap(namespace: string, name: string): Promise<KubeObject | undefined>;
  getSecret(namespace: string, name: string): Promise<KubeObject | undefined>;
  listServices(namespace: string): Promise<KubeObject[]>;
}

/** Node and pod facts the environment may refer to, plus the event sink for skipped keys. */
export interface EnvContext {
  hostIPs?: string[];
  podIPs?: string[];
  /** Node allocatable: what `limits.*` resolve to when a container sets no limit. */
  nodeAllocatable?: Record<string, string | number>;
  onEvent?: (type: 'Normal' | 'Warning', reason: string, message: string) => void;
}

/** A CRI KeyValue. */
export interface EnvEntry {
  key: string;
  value: string;
}

/** An error whose message is the one kubelet reports as CreateContainerConfigError. */
export class ContainerConfigError extends Error {
  readonly reason = 'CreateContainerConfigError';
}

/** IsEnvVarName: what envFrom keys must look like (after the prefix) to become variables. */
const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** The string data of a ConfigMap (`data` only: the kubelet ignores binaryData for env) or a Secret (base64 `data`). */
function objectData(object: KubeObject, kind: 'configmap' | 'secret'): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries((object.data as Record<string, string>) ?? {})) {
    out.set(k, kind === 'secret' ? Buffer.from(v, 'base64').toString('utf8') : v);
  }
  return out;
}

/** Fetches ConfigMaps and Secrets once per environment build, as the kubelet's maps do. */
class ObjectCache {
  private readonly seen = new Map<string, Map<string, string> | undefined>();
  constructor(
    private readonly source: EnvSource,
    private readonly namespace: string,
  ) {}

  /** The object's data; undefined when it does not exist. */
  async data(kind: 'configmap' | 'secret', name: string): Promise<Map<string, string> | undefined> {
    const key = `${kind}/${name}`;
    if (!this.seen.has(key)) {
      const object = kind === 'configmap' ? await this.source.getConfigMap(this.namespace, name) : await this.source.getSecret(this.namespace, name);
      this.seen.set(key, object ? objectData(object, kind) : undefined);
    }
    return this.seen.get(key);
  }
}

/** envFrom: every valid key (with the prefix) of each ConfigMap or Secret, invalid ones reported. */
async function addEnvFrom(into: Map<string, string>, sources: EnvFromSpec[], pod: KubeletPod, objects: ObjectCache, ctx: EnvContext): Promise<void> {
  const ns = pod.metadata.namespace ?? 'default';
  for (const from of sources) {
    const ref = from.configMapRef ?? from.secretRef;
    if (!ref) continue;
    const kind = from.configMapRef ? 'configmap' : 'secret';
    const name = ref.name ?? '';
    const data = await objects.data(kind, name);
    if (!data) {
      if (ref.optional) continue;
      throw new ContainerConfigError(`${kind} "${name}" not found`);
    }
    const invalid: string[] = [];
    for (const [key, value] of data) {
      const full = (from.prefix ?? '') + key;
      if (!ENV_VAR_NAME.test(full)) invalid.push(full);
      else into.set(full, value);
    }
    if (invalid.length > 0) {
      const what = kind === 'configmap' ? 'configMap' : 'secret';
      ctx.onEvent?.('Warning', 'InvalidEnvironmentVariableNames', `Keys [${invalid.sort().join(', ')}] from the EnvFrom ${what} ${ns}/${name} were skipped since they are considered invalid environment variable names.`);
    }
  }
}

/** The value of one `env` entry from valueFrom; undefined when an optional reference is missing. */
async function valueFrom(env: EnvVarSpec, pod: KubeletPod, container: ContainerSpec, objects: ObjectCache, ctx: EnvContext): Promise<string | undefined> {
  const from = env.valueFrom!;
  const ns = pod.metadata.namespace ?? 'default';
  if (from.fieldRef) return podFieldValue(pod, from.fieldRef.fieldPath, ctx);
  if (from.resourceFieldRef) {
    const ref = from.resourceFieldRef;
    const named = ref.containerName ? [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].find((c) => c.name === ref.containerName) : container;
    if (!named) throw new ContainerConfigError(`container ${ref.containerName} not found`);
    return containerResourceValue(ref, withAllocatableLimits(named, ctx.nodeAllocatable));
  }
  const keyRef = from.configMapKeyRef ?? from.secretKeyRef;
  if (!keyRef) return '';
  const kind = from.configMapKeyRef ? 'configmap' : 'secret';
  const name = keyRef.name ?? '';
  const data = await objects.data(kind, name);
  if (!data) {
    if (keyRef.optional) return undefined;
    throw new ContainerConfigError(`${kind} "${name}" not found`);
  }
  const value = data.get(keyRef.key);
  if (value !== undefined) return value;
  if (keyRef.optional) return undefined;
  throw new ContainerConfigError(`couldn't find key ${keyRef.key} in ${kind === 'configmap' ? 'ConfigMap' : 'Secret'} ${ns}/${name}`);
}

/** The service variables of the pod (enableServiceLinks defaults to true). */
async function serviceEnv(pod: KubeletPod, source: EnvSource): Promise<Map<string, string>> {
  const ns = pod.metadata.namespace ?? 'default';
  const links = pod.spec.enableServiceLinks !== false;
  const own = links ? await source.listServices(ns) : [];
  const inDefault = ns === 'default' && links ? own : await source.listServices('default');
  return new Map(serviceVariables(visibleServices(links, own, inDefault)));
}

/**
 * The CRI environment of `container` in `pod`. Rejects with a `ContainerConfigError` whose message
 * is kubelet's (`configmap "x" not found`, `couldn't find key k in ConfigMap ns/x`, ...);
 * envFrom keys that are not valid variable names are skipped with an
 * InvalidEnvironmentVariableNames warning through `ctx.onEvent`.
 */
export async function containerEnvironment(pod: KubeletPod, container: ContainerSpec, source: EnvSource, ctx: EnvContext = {}): Promise<EnvEntry[]> {
  const services = await serviceEnv(pod, source);
  const objects = new ObjectCache(source, pod.metadata.namespace ?? 'default');
  const env = new Map<string, string>();
  await addEnvFrom(env, container.envFrom ?? [], pod, objects, ctx);
  const mapping = mappingFor(env, services);
  for (const entry of container.env ?? []) {
    let value = entry.value ?? '';
    if (value !== '') value = expand(value, mapping);
    else if (entry.valueFrom) {
      let resolved: string | undefined;
      try {
        resolved = await valueFrom(entry, pod, container, objects, ctx);
      } catch (err) {
        throw err instanceof ContainerConfigError ? err : new ContainerConfigError((err as Error).message);
      }
      if (resolved === undefined) continue;
      value = resolved;
    }
    env.set(entry.name, value);
  }
  const out: EnvEntry[] = [...env].map(([key, value]) => ({ key, value }));
  for (const [key, value] of services) if (!env.has(key)) out.push({ key, value });
  return out;
}
