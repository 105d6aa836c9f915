import type { CriClient } from '../cri/client.ts';
import type { FilesystemUsage } from '../cri/types.ts';
import type { StatsRuntime } from './provider.ts';

/**
 * The StatsRuntime of a CRI client: its list calls, plus ImageFsInfo and the sandbox's pause
 * process, which containerd reports in the verbose PodSandboxStatus (`info.info` JSON, `pid`).
 */
export function criStatsRuntime(client: CriClient): StatsRuntime {
  return {
    listPodSandbox: () => client.listPodSandbox(),
    listContainers: () => client.listContainers(),
    listContainerStats: () => client.listContainerStats(),
    containerStatus: (id) => client.containerStatus(id),
    imageFsInfo: async () => (await client.call<{ imageFilesystems: FilesystemUsage[] }>('images', 'ImageFsInfo', {})).imageFilesystems,
    sandboxPid: async (podSandboxId) => {
      const res = await client.call<{ info: Record<string, string> }>('runtime', 'PodSandboxStatus', { podSandboxId, verbose: true });
      const pid = (JSON.parse(res.info?.info ?? '{}') as { pid?: number }).pid;
      return pid && pid > 0 ? pid : undefined;
    },
  };
}
