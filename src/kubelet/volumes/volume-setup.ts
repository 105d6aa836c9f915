/**
 * Setting up one pod volume, per plugin, under the kubelet's layout
 * `<podsDir>/<uid>/volumes/kubernetes.io~<plugin>/<name>`: emptyDir (tmpfs for medium Memory),
 * hostPath (type checked), configMap, secret, downwardAPI and projected (written atomically;
 * secret and projected on tmpfs, as Kubernetes backs them with a memory emptyDir), and
 * persistentVolumeClaim bound to a hostPath or local PersistentVolume.
 */
import { chmod, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeObject } from '../../api/object.ts';
import { parseQuantity } from '../../api/validation/quantity.ts';
import type { KubeletPod } from '../runtime-interface.ts';
import { writeAtomically, type Payload } from './atomic-writer.ts';
import { checkHostPathType } from './host-path.ts';
import { isMountPoint, mountTmpfs } from './mounter.ts';
import { aggregate, configMapPayload, DEFAULT_MODE, downwardApiPayload, secretPayload, type DownwardApiFile, type KeyToPath } from './payloads.ts';
import type { TokenManager } from './token-manager.ts';

/** core/v1 VolumeProjection (the sources skiff projects). */
export interface ProjectionSource {
  configMap?: { name?: string; items?: KeyToPath[]; optional?: boolean };
  secret?: { name?: string; items?: KeyToPath[]; optional?: boolean };
  downwardAPI?: { items?: DownwardApiFile[] };
  serviceAccountToken?: { audience?: string; expirationSeconds?: number; path: string };
}

/** core/v1 Volume, the sources skiff supports spelled out. */
export interface VolumeSpec {
  name: string;
  emptyDir?: { medium?: string; sizeLimit?: string | number };
  hostPath?: { path: string; type?: string };
  configMap?: { name?: string; items?: KeyToPath[]; defaultMode?: number; optional?: boolean };
  secret?: { secretName?: string; items?: KeyToPath[]; defaultMode?: number; optional?: boolean };
  downwardAPI?: { items?: DownwardApiFile[]; defaultMode?: number };
  projected?: { sources?: ProjectionSource[]; defaultMode?: number };
  persistentVolumeClaim?: { claimName: string; readOnly?: boolean };
  [source: string]: unknown;
}

/** What the plugins read from the API and the node. */
export interface SetupDeps {
  getConfigMap(namespace: string, name: string): Promise<KubeObject | undefined>;
  getSecret(namespace: string, name: string): Promise<KubeObject | undefined>;
  getPersistentVolumeClaim?(namespace: string, name: string): Promise<KubeObject | undefined>;
  getPersistentVolume?(name: string): Promise<KubeObject | undefined>;
  tokens: TokenManager;
  now: () => number;
  nodeAllocatable?: Record<string, string | number>;
  /** Back secret and projected volumes with tmpfs (true in Kubernetes; off only for unprivileged tests). */
  memoryBacked: boolean;
}

/** Where a set-up volume lives on the host, and whether containers must see it read-only. */
export interface VolumeLocation {
  path: string;
  readOnly: boolean;
}

/** The plugin directory name of a volume source (kubernetes.io~<plugin>), for sources kept under the pod dir. */
export const PLUGIN_DIRS: Record<string, string> = {
  emptyDir: 'kubernetes.io~empty-dir',
  configMap: 'kubernetes.io~configmap',
  secret: 'kubernetes.io~secret',
  downwardAPI: 'kubernetes.io~downward-api',
  projected: 'kubernetes.io~projected',
};

/** The source field a volume uses (emptyDir when none, as API defaulting would). */
export function volumeSource(volume: VolumeSpec): string {
  return Object.keys(volume).find((k) => k !== 'name' && volume[k] !== undefined && volume[k] !== null) ?? 'emptyDir';
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** An emptyDir-like directory: created 0777, tmpfs-mounted when memory-backed. */
async function ensureDir(dir: string, memory: boolean, sizeBytes?: number): Promise<void> {
  const fresh = !(await isDirectory(dir));
  if (fresh) await mkdir(dir, { recursive: true });
  const mounting = memory && !isMountPoint(dir);
  if (mounting) await mountTmpfs(dir, sizeBytes);
  // 0777 like kubelet's emptyDir, set once: later chmods by the workload are theirs to keep.
  if (fresh || mounting) await chmod(dir, 0o777);
}

async function setUpEmptyDir(dir: string, source: NonNullable<VolumeSpec['emptyDir']>): Promise<void> {
  const medium = source.medium ?? '';
  if (medium.startsWith('HugePages')) throw new Error(`${medium} medium is not supported by skiff`);
  if (medium !== '' && medium !== 'Memory') throw new Error(`unknown storage medium ${JSON.stringify(medium)}`);
  const size = source.sizeLimit !== undefined ? parseQuantity(source.sizeLimit) : undefined;
  await ensureDir(dir, medium === 'Memory', size);
}

async function projectedPayload(pod: KubeletPod, source: NonNullable<VolumeSpec['projected']>, deps: SetupDeps): Promise<Payload> {
  const ns = pod.metadata.namespace ?? 'default';
  const mode = source.defaultMode ?? DEFAULT_MODE;
  const payload: Payload = new Map();
  const errors: string[] = [];
  const merge = (part: Payload) => {
    for (const [k, v] of part) payload.set(k, v);
  };
  for (const s of source.sources ?? []) {
    try {
      if (s.configMap) {
        const name = s.configMap.name ?? '';
        const cm = await deps.getConfigMap(ns, name);
        if (!cm && !s.configMap.optional) throw new Error(`configmap "${name}" not found`);
        merge(configMapPayload(cm, s.configMap.items, mode, Boolean(s.configMap.optional)));
      } else if (s.secret) {
        const name = s.secret.name ?? '';
        const secret = await deps.getSecret(ns, name);
        if (!secret && !s.secret.optional) throw new Error(`secret "${name}" not found`);
        merge(secretPayload(secret, s.secret.items, mode, Boolean(s.secret.optional)));
      } else if (s.downwardAPI) {
        merge(downwardApiPayload(pod, s.downwardAPI.items, mode, deps.nodeAllocatable));
      } else if (s.serviceAccountToken) {
        const t = s.serviceAccountToken;
        const token = await deps.tokens.get(pod, t.audience ? [t.audience] : undefined, t.expirationSeconds ?? 3600);
        payload.set(t.path, { data: Buffer.from(token, 'utf8'), mode });
      }
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  if (errors.length > 0) throw new Error(aggregate(errors));
  return payload;
}

/** A bound claim's volume: only hostPath and local PersistentVolumes can be mounted by skiff. */
async function claimPath(pod: KubeletPod, source: NonNullable<VolumeSpec['persistentVolumeClaim']>, deps: SetupDeps): Promise<string> {
  const ns = pod.metadata.namespace ?? 'default';
  const claim = await deps.getPersistentVolumeClaim?.(ns, source.claimName);
  if (!claim) throw new Error(`persistentvolumeclaim "${source.claimName}" not found`);
  const phase = String((claim.status as { phase?: string } | undefined)?.phase ?? '');
  const volumeName = String((claim.spec as { volumeName?: string } | undefined)?.volumeName ?? '');
  if (phase !== 'Bound' || !volumeName) throw new Error(`PVC ${ns}/${source.claimName} has non-bound phase (${JSON.stringify(phase)}) or empty pvc.Spec.VolumeName (${JSON.stringify(volumeName)})`);
  const pv = await deps.getPersistentVolume?.(volumeName);
  if (!pv) throw new Error(`persistentvolume "${volumeName}" not found`);
  const spec = (pv.spec ?? {}) as { hostPath?: { path: string; type?: string }; local?: { path: string } } & Record<string, unknown>;
  if (spec.hostPath) {
    checkHostPathType(spec.hostPath.path, spec.hostPath.type);
    return spec.hostPath.path;
  }
  if (spec.local) {
    if (!(await isDirectory(spec.local.path))) throw new Error(`path "${spec.local.path}" does not exist`);
    return spec.local.path;
  }
  const kind = Object.keys(spec).find((k) => ['capacity', 'accessModes', 'claimRef', 'persistentVolumeReclaimPolicy', 'storageClassName', 'mountOptions', 'volumeMode', 'nodeAffinity', 'volumeAttributesClassName'].indexOf(k) < 0) ?? 'unknown';
  throw new Error(`persistentvolume "${volumeName}" is a ${kind} volume; skiff mounts only hostPath and local persistent volumes`);
}

/**
 * Sets up (or refreshes) one volume of `pod` under `podDir`; resolves where it is on the host.
 * Rejects with the message kubelet puts after `MountVolume.SetUp failed for volume "x" : `.
 */
export async function setUpVolume(podDir: string, pod: KubeletPod, volume: VolumeSpec, deps: SetupDeps): Promise<VolumeLocation> {
  const kind = volumeSource(volume);
  const dir = PLUGIN_DIRS[kind] ? join(podDir, 'volumes', PLUGIN_DIRS[kind], volume.name) : '';
  const ns = pod.metadata.namespace ?? 'default';
  switch (kind) {
    case 'emptyDir':
      await setUpEmptyDir(dir, volume.emptyDir ?? {});
      return { path: dir, readOnly: false };
    case 'hostPath':
      checkHostPathType(volume.hostPath!.path, volume.hostPath!.type);
      return { path: volume.hostPath!.path, readOnly: false };
    case 'configMap': {
      const src = volume.configMap!;
      const cm = await deps.getConfigMap(ns, src.name ?? '');
      if (!cm && !src.optional) throw new Error(`configmap "${src.name ?? ''}" not found`);
      const payload = configMapPayload(cm, src.items, src.defaultMode, Boolean(src.optional));
      await ensureDir(dir, false);
      await writeAtomically(dir, payload, deps.now());
      return { path: dir, readOnly: true };
    }
    case 'secret': {
      const src = volume.secret!;
      const secret = await deps.getSecret(ns, src.secretName ?? '');
      if (!secret && !src.optional) throw new Error(`secret "${src.secretName ?? ''}" not found`);
      const payload = secretPayload(secret, src.items, src.defaultMode, Boolean(src.optional));
      await ensureDir(dir, deps.memoryBacked);
      await writeAtomically(dir, payload, deps.now());
      return { path: dir, readOnly: true };
    }
    case 'downwardAPI': {
      const src = volume.downwardAPI!;
      const payload = downwardApiPayload(pod, src.items, src.defaultMode, deps.nodeAllocatable);
      await ensureDir(dir, false);
      await writeAtomically(dir, payload, deps.now());
      return { path: dir, readOnly: true };
    }
    case 'projected': {
      const payload = await projectedPayload(pod, volume.projected!, deps);
      await ensureDir(dir, deps.memoryBacked);
      await writeAtomically(dir, payload, deps.now());
      return { path: dir, readOnly: true };
    }
    case 'persistentVolumeClaim':
      return { path: await claimPath(pod, volume.persistentVolumeClaim!, deps), readOnly: Boolean(volume.persistentVolumeClaim!.readOnly) };
    default:
      throw new Error(`no volume plugin matched name: kubernetes.io/${kind} (skiff supports emptyDir, hostPath, configMap, secret, downwardAPI, projected and persistentVolumeClaim)`);
  }
}
