/**
 * Defaulting entry points. `applyDefaults` is the scheme defaulting Kubernetes runs whenever an
 * object is decoded (so it runs on creates and updates alike and must be idempotent);
 * `applyCreateDefaults` adds what only a create does: the registry strategies' PrepareForCreate
 * and the default admission plugins (service account, default tolerations, priority, pod phase and
 * QoS class, namespace finalizer, Job selector). The server calls it after setting metadata.uid.
 */
import type { KubeObject } from '../object.ts';
import type { ResourceInfo } from '../registry.ts';
import { APPS_DEFAULTS } from './apps.ts';
import { BATCH_CREATE, BATCH_DEFAULTS } from './batch.ts';
import { CORE_CREATE, CORE_DEFAULTS } from './core.ts';
import { OTHER_DEFAULTS } from './other.ts';

type Defaulter = (o: KubeObject) => void;

function defaulterFor(info: ResourceInfo): Defaulter | undefined {
  switch (info.group) {
    case '': return CORE_DEFAULTS[info.resource];
    case 'apps': return APPS_DEFAULTS[info.resource];
    case 'batch': return BATCH_DEFAULTS[info.resource];
    default: return OTHER_DEFAULTS[`${info.group}/${info.version}/${info.resource}`];
  }
}

/** Fills in the defaults of an object of `info`'s kind, in place. Idempotent. */
export function applyDefaults(info: ResourceInfo, obj: KubeObject): void {
  defaulterFor(info)?.(obj);
}

/**
 * Create-only additions, in place; call after `applyDefaults` and after metadata.uid and
 * metadata.name are set (Job selectors are derived from them).
 */
export function applyCreateDefaults(info: ResourceInfo, obj: KubeObject): void {
  const hook = info.group === '' ? CORE_CREATE[info.resource] : info.group === 'batch' ? BATCH_CREATE[info.resource] : undefined;
  hook?.(obj);
}
