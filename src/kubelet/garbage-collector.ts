import type { ContainerRuntime as Cri } from './cri/interface.ts';
import { LABEL_CONTAINER_NAME } from './cri-runtime.ts';
import { SANDBOX_IMAGE } from './runtime/containerd.ts';

/** kubelet's defaults: keep one dead instance per container (for `logs --previous`); images 85% -> 80%. */
export interface GarbageCollectorPolicy {
  maxDeadPerContainer: number;
  imageHighThresholdPercent: number;
  imageLowThresholdPercent: number;
}

export const DEFAULT_GC_POLICY: GarbageCollectorPolicy = { maxDeadPerContainer: 1, imageHighThresholdPercent: 85, imageLowThresholdPercent: 80 };

/** What one collection removed. */
export interface GarbageCollectionReport {
  containers: string[];
  sandboxes: string[];
  images: string[];
}

/** Disk usage of the filesystem holding images, in bytes. */
export interface DiskUsage {
  capacity: number;
  used: number;
}

/**
 * kubelet's container and image garbage collection over CRI. Containers: exited instances beyond
 * the newest `maxDeadPerContainer` of each container name in a sandbox are removed, and so are
 * stopped sandboxes with no container left. Images: when the image filesystem is above the high
 * threshold, images no container uses are removed, largest first, until it is below the low
 * threshold; the sandbox image is never removed.
 */
export async function collectGarbage(cri: Cri, disk: () => DiskUsage, policy: GarbageCollectorPolicy = DEFAULT_GC_POLICY): Promise<GarbageCollectionReport> {
  const report: GarbageCollectionReport = { containers: [], sandboxes: [], images: [] };
  const containers = await cri.listContainers();
  const groups = new Map<string, typeof containers>();
  for (const c of containers) {
    if (c.state !== 'CONTAINER_EXITED') continue;
    const key = `${c.podSandboxId}/${c.labels[LABEL_CONTAINER_NAME] ?? c.metadata.name}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  for (const dead of groups.values()) {
    dead.sort((a, b) => b.metadata.attempt - a.metadata.attempt || b.createdAt - a.createdAt);
    for (const c of dead.slice(policy.maxDeadPerContainer)) {
      await cri.removeContainer(c.id).then(() => report.containers.push(c.id), () => undefined);
    }
  }
  const remaining = await cri.listContainers();
  for (const sandbox of await cri.listPodSandbox()) {
    if (sandbox.state === 'SANDBOX_READY' || remaining.some((c) => c.podSandboxId === sandbox.id)) continue;
    await cri.removePodSandbox(sandbox.id).then(() => report.sandboxes.push(sandbox.id), () => undefined);
  }
  const usage = disk();
  if (usage.capacity > 0 && (usage.used / usage.capacity) * 100 > policy.imageHighThresholdPercent) {
    let toFree = usage.used - (usage.capacity * policy.imageLowThresholdPercent) / 100;
    const inUse = new Set(remaining.map((c) => c.imageRef));
    const candidates = (await cri.listImages())
      .filter((i) => !inUse.has(i.id) && !i.pinned && !i.repoTags.includes(SANDBOX_IMAGE))
      .sort((a, b) => Number(b.size) - Number(a.size));
    for (const image of candidates) {
      if (toFree <= 0) break;
      await cri.removeImage(image.id).then(() => {
        report.images.push(image.id);
        toFree -= Number(image.size);
      }, () => undefined);
    }
  }
  return report;
}
