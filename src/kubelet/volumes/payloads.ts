/**
 * The file sets of API-data volumes, as the kubelet's plugins build them before handing them to
 * the AtomicWriter: configMap and secret (all keys, or `items` with per-item modes),
 * downwardAPI (field and resource references). Missing keys and fields fail with the plugins'
 * messages.
 */
import { normalize } from 'node:path';
import type { KubeObject } from '../../api/object.ts';
import { containerResourceValue, podFieldValue, withAllocatableLimits } from '../downward-api.ts';
import type { FieldRefSpec, KubeletPod, ResourceFieldRefSpec } from '../runtime-interface.ts';
import type { Payload } from './atomic-writer.ts';

/** core/v1 KeyToPath. */
export interface KeyToPath {
  key: string;
  path: string;
  mode?: number;
}

/** core/v1 DownwardAPIVolumeFile. */
export interface DownwardApiFile {
  path: string;
  fieldRef?: FieldRefSpec;
  resourceFieldRef?: ResourceFieldRefSpec;
  mode?: number;
}

/** defaultMode when the pod does not say (0644, what API defaulting writes as 420). */
export const DEFAULT_MODE = 0o644;

/** Kubernetes' aggregate error text: one error alone, several as `[a, b]`. */
export function aggregate(errors: string[]): string {
  return errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`;
}

/** The files of a ConfigMap (data and binaryData); an absent optional ConfigMap gives none. */
export function configMapPayload(configMap: KubeObject | undefined, items: KeyToPath[] | undefined, defaultMode: number | undefined, optional: boolean): Payload {
  const data = new Map<string, Buffer>();
  for (const [k, v] of Object.entries((configMap?.data as Record<string, string>) ?? {})) data.set(k, Buffer.from(v, 'utf8'));
  for (const [k, v] of Object.entries((configMap?.binaryData as Record<string, string>) ?? {})) data.set(k, Buffer.from(v, 'base64'));
  return keyedPayload(data, items, defaultMode, optional, (key) => `configmap references non-existent config key: ${key}`);
}

/** The files of a Secret (base64 data decoded); an absent optional Secret gives none. */
export function secretPayload(secret: KubeObject | undefined, items: KeyToPath[] | undefined, defaultMode: number | undefined, optional: boolean): Payload {
  const data = new Map<string, Buffer>();
  for (const [k, v] of Object.entries((secret?.data as Record<string, string>) ?? {})) data.set(k, Buffer.from(v, 'base64'));
  return keyedPayload(data, items, defaultMode, optional, (key) => `references non-existent secret key: ${key}`);
}

function keyedPayload(data: Map<string, Buffer>, items: KeyToPath[] | undefined, defaultMode: number | undefined, optional: boolean, missing: (key: string) => string): Payload {
  const mode = defaultMode ?? DEFAULT_MODE;
  const payload: Payload = new Map();
  if (!items || items.length === 0) {
    for (const [key, bytes] of data) payload.set(key, { data: bytes, mode });
    return payload;
  }
  for (const item of items) {
    const bytes = data.get(item.key);
    if (!bytes) {
      if (optional) continue;
      throw new Error(missing(item.key));
    }
    payload.set(normalize(item.path), { data: bytes, mode: item.mode ?? mode });
  }
  return payload;
}

/**
 * The files of a downwardAPI volume or projection (CollectData): each item is a pod field or a
 * container resource (limits default to the node allocatable). Every failing item is reported,
 * aggregated as Kubernetes does.
 */
export function downwardApiPayload(pod: KubeletPod, items: DownwardApiFile[] | undefined, defaultMode: number | undefined, allocatable: Record<string, string | number> | undefined): Payload {
  const payload: Payload = new Map();
  const errors: string[] = [];
  for (const item of items ?? []) {
    let value = '';
    try {
      if (item.fieldRef) value = podFieldValue(pod, item.fieldRef.fieldPath);
      else if (item.resourceFieldRef) {
        const name = item.resourceFieldRef.containerName;
        const container = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].find((c) => c.name === name);
        if (!container) throw new Error(`container ${name ?? ''} not found`);
        value = containerResourceValue(item.resourceFieldRef, withAllocatableLimits(container, allocatable));
      }
    } catch (err) {
      errors.push((err as Error).message);
    }
    payload.set(normalize(item.path), { data: Buffer.from(value, 'utf8'), mode: item.mode ?? defaultMode ?? DEFAULT_MODE });
  }
  if (errors.length > 0) throw new Error(aggregate(errors));
  return payload;
}
