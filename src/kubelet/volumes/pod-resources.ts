/**
 * Volumes and container environments plugged into the CRI adapter's PodResources: volume set-up
 * before the sandbox, the container's environment, and its mounts (which need the pod IP for
 * /etc/hosts and the environment for subPathExpr, both remembered from the environment call
 * the adapter makes first for the same container).
 */
import type { PodResources } from '../cri-runtime.ts';
import { containerEnvironment, type EnvContext, type EnvEntry, type EnvSource } from '../env/container-env.ts';
import type { ContainerSpec, KubeletPod } from '../runtime-interface.ts';
import type { VolumeManager } from './volume-manager.ts';

/** What volumePodResources needs. */
export interface VolumePodResourcesOptions {
  volumes: VolumeManager;
  source: EnvSource;
  /** The node's addresses (status.hostIP first). */
  hostIPs: string[];
  nodeAllocatable?: Record<string, string | number>;
  /** Records an event against the pod (InvalidEnvironmentVariableNames). */
  onEvent?: (pod: KubeletPod, type: 'Normal' | 'Warning', reason: string, message: string) => void;
}

/**
 * The volume and environment part of PodResources. `environment(pod, container, podIP)` must be
 * awaited before `mounts(pod, container)` for the same container (CriPodRuntime.createContainer
 * does so); mounts then write /etc/hosts with that IP and expand subPathExpr with that env.
 */
export function volumePodResources(opts: VolumePodResourcesOptions): Required<Pick<PodResources, 'setUpVolumes' | 'mounts' | 'environment'>> {
  const last = new Map<string, { podIP: string; env: EnvEntry[] }>();
  const key = (pod: KubeletPod, container: ContainerSpec) => `${pod.metadata.uid ?? ''}/${container.name}`;
  return {
    setUpVolumes: (pod) => opts.volumes.setUpPod(pod),
    environment: async (pod, container, podIP) => {
      const ctx: EnvContext = {
        hostIPs: opts.hostIPs,
        podIPs: podIP ? [podIP] : [],
        nodeAllocatable: opts.nodeAllocatable,
        onEvent: (type, reason, message) => opts.onEvent?.(pod, type, reason, message),
      };
      const env = await containerEnvironment(pod, container, opts.source, ctx);
      last.set(key(pod, container), { podIP, env });
      return env;
    },
    mounts: (pod, container) => {
      const seen = last.get(key(pod, container));
      last.delete(key(pod, container));
      return opts.volumes.mountsFor(pod, container, { podIPs: seen?.podIP ? [seen.podIP] : undefined, env: seen?.env });
    },
  };
}
