import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { applyCreateDefaults, applyDefaults } from '../api/defaults/index.ts';
import { findResource } from '../api/registry.ts';
import type { KubeletPod } from './runtime-interface.ts';

const PODS = findResource('', 'v1', 'pods')!;

/** Annotations kubelet puts on static pods and their mirror pods (kubelet/types/pod_update.go). */
export const CONFIG_SOURCE = 'kubernetes.io/config.source';
export const CONFIG_HASH = 'kubernetes.io/config.hash';
export const CONFIG_MIRROR = 'kubernetes.io/config.mirror';
export const CONFIG_SEEN = 'kubernetes.io/config.seen';

/** True for a mirror pod (the API's copy of a static pod). */
export function isMirrorPod(pod: KubeletPod): boolean {
  return !!pod.metadata.annotations?.[CONFIG_MIRROR];
}

/** A manifest that could not be turned into a pod. */
export interface ManifestError {
  file: string;
  message: string;
}

/**
 * Reads every manifest in `dir` (kubelet's file source: one Pod per .yaml/.yml/.json file, hidden
 * files ignored) and returns them as the kubelet runs them: name suffixed with `-<nodeName>`,
 * namespace default when absent, defaults applied as the API server would, bound to this node,
 * tolerating every NoExecute taint, and with a UID that is the hash of the manifest and the node
 * (so an edited manifest is a new pod) also recorded in `kubernetes.io/config.hash`.
 */
export function readStaticPods(dir: string, nodeName: string): { pods: KubeletPod[]; errors: ManifestError[] } {
  const pods: KubeletPod[] = [];
  const errors: ManifestError[] = [];
  if (!existsSync(dir)) return { pods, errors };
  for (const file of readdirSync(dir).sort()) {
    if (file.startsWith('.') || !/\.(ya?ml|json)$/.test(file)) continue;
    const path = join(dir, file);
    try {
      if (!statSync(path).isFile()) continue;
      const text = readFileSync(path, 'utf8');
      // yaml is loaded only when there is a manifest to read: most agents have none (agent memory).
      const { parseAllDocuments } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
      const docs = parseAllDocuments(text).map((d) => d.toJSON() as KubeletPod | null).filter((d): d is KubeletPod => !!d);
      if (docs.length !== 1) throw new Error(`expected one Pod, found ${docs.length} documents`);
      pods.push(staticPod(docs[0], text, nodeName, file));
    } catch (err) {
      errors.push({ file, message: (err as Error).message });
    }
  }
  return { pods, errors };
}

function staticPod(manifest: KubeletPod, text: string, nodeName: string, file: string): KubeletPod {
  if (manifest.kind !== 'Pod' || (manifest.apiVersion ?? 'v1') !== 'v1') throw new Error(`${file}: only v1 Pods can be static pods, got ${manifest.apiVersion}/${manifest.kind}`);
  if (!manifest.metadata?.name) throw new Error(`${file}: metadata.name is required`);
  if (!Array.isArray(manifest.spec?.containers) || manifest.spec.containers.length === 0) throw new Error(`${file}: spec.containers is required`);
  const hash = createHash('md5').update(nodeName).update(text).digest('hex');
  const pod: KubeletPod = JSON.parse(JSON.stringify(manifest));
  pod.apiVersion = 'v1';
  pod.kind = 'Pod';
  pod.metadata = {
    ...pod.metadata,
    name: `${manifest.metadata.name}-${nodeName}`,
    namespace: manifest.metadata.namespace ?? 'default',
    uid: hash,
    annotations: { ...(manifest.metadata.annotations ?? {}), [CONFIG_SOURCE]: 'file', [CONFIG_HASH]: hash, [CONFIG_SEEN]: new Date().toISOString() },
  };
  pod.spec.nodeName = nodeName;
  // kubelet: static pods tolerate every NoExecute taint, so the node lifecycle never evicts them.
  const tolerations = (pod.spec.tolerations as unknown[] | undefined) ?? [];
  pod.spec.tolerations = [...tolerations, { operator: 'Exists', effect: 'NoExecute' }];
  applyDefaults(PODS, pod);
  applyCreateDefaults(PODS, pod);
  return pod;
}

/**
 * The mirror pod the kubelet creates in the API for a static pod: the same spec, the
 * config.mirror annotation carrying the static pod's hash, and the Node as owner (so deleting
 * the Node removes it).
 */
export function mirrorPodFor(pod: KubeletPod, node: { name: string; uid?: string }): KubeletPod {
  const { uid: _uid, resourceVersion: _rv, ...meta } = pod.metadata;
  const annotations = { ...(meta.annotations ?? {}), [CONFIG_MIRROR]: pod.metadata.annotations?.[CONFIG_HASH] ?? '' };
  const ownerReferences = node.uid ? [{ apiVersion: 'v1', kind: 'Node', name: node.name, uid: node.uid, controller: true }] : undefined;
  return { apiVersion: 'v1', kind: 'Pod', metadata: { ...meta, annotations, ownerReferences }, spec: pod.spec };
}
