import type { KubeObject } from '../../api/object.ts';
import type { Summary } from '../../api/stats/summary.ts';
import type { KubeletStatsSource } from './metrics-api.ts';

/** The path metrics-server's summary scraper asks each kubelet for. */
export const SUMMARY_PATH = '/stats/summary?only_cpu_and_memory=true';

/**
 * Whether a kubelet's answer has the Summary's shape (node object with a name, pods array whose
 * entries have a podRef and containers). Anything else is treated as an unreachable kubelet rather
 * than trusted: one broken node must not fail the whole list.
 */
export function isSummary(value: unknown): value is Summary {
  if (!value || typeof value !== 'object') return false;
  const { node, pods } = value as { node?: unknown; pods?: unknown };
  if (!node || typeof node !== 'object' || typeof (node as { nodeName?: unknown }).nodeName !== 'string') return false;
  if (!Array.isArray(pods)) return false;
  return pods.every((p) => {
    const pod = p as { podRef?: { name?: unknown; namespace?: unknown }; containers?: unknown } | null;
    return Boolean(pod && pod.podRef && typeof pod.podRef.name === 'string' && typeof pod.podRef.namespace === 'string' && Array.isArray(pod.containers));
  });
}

/**
 * A KubeletStatsSource over any way of GETting a path from a node's kubelet (the API server's
 * kubelet connection: HTTPS to the node's InternalIP on its kubelet port, authenticated as the API
 * server). `get` resolves with the response body; a non-Summary answer rejects.
 */
export function kubeletSummarySource(get: (node: KubeObject, path: string) => Promise<string | Buffer>): KubeletStatsSource {
  return {
    async summary(node) {
      const body = await get(node, SUMMARY_PATH);
      const parsed: unknown = JSON.parse(body.toString());
      if (!isSummary(parsed)) throw new Error(`kubelet of ${node.metadata.name} answered something that is not a stats summary`);
      return parsed;
    },
  };
}
