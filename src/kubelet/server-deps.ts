import type { ContainerRuntime as Cri } from './cri/interface.ts';
import { LABEL_CONTAINER_NAME, LABEL_POD_UID } from './cri-runtime.ts';
import type { KubeletPod } from './runtime-interface.ts';
import { KubeletRequestError, type ContainerRef, type KubeletServerDeps } from './server/deps.ts';

/**
 * The kubelet HTTPS API's view of this node's pods: a pod by namespace/name from the kubelet's
 * pods (static pods included), its containers and sandbox from CRI labels, with the kubelet's
 * messages when something is missing.
 */
export function kubeletServerDeps(getPod: (namespace: string, name: string) => KubeletPod | undefined, cri: Cri): KubeletServerDeps {
  const podOrError = (namespace: string, name: string): KubeletPod => {
    const pod = getPod(namespace, name);
    if (!pod) throw new KubeletRequestError(404, `pod "${name}" not found`);
    return pod;
  };
  return {
    cri,
    async findContainer(namespace, podName, container, previous): Promise<ContainerRef> {
      const pod = podOrError(namespace, podName);
      const attempts = (await cri.listContainers({ labelSelector: { [LABEL_POD_UID]: pod.metadata.uid ?? '', [LABEL_CONTAINER_NAME]: container } }))
        .sort((a, b) => b.metadata.attempt - a.metadata.attempt || b.createdAt - a.createdAt);
      const chosen = previous ? attempts[1] : attempts[0];
      if (!chosen) {
        if (previous) throw new KubeletRequestError(400, `previous terminated container "${container}" in pod "${podName}" not found`);
        throw new KubeletRequestError(400, `container "${container}" in pod "${podName}" is waiting to start: ContainerCreating`);
      }
      const status = await cri.containerStatus(chosen.id);
      return { containerId: chosen.id, logPath: status.logPath };
    },
    async findSandbox(namespace, podName) {
      const pod = podOrError(namespace, podName);
      const ready = (await cri.listPodSandbox({ [LABEL_POD_UID]: pod.metadata.uid ?? '' })).find((s) => s.state === 'SANDBOX_READY');
      if (!ready) throw new KubeletRequestError(400, `pod "${podName}" has no running sandbox`);
      return { sandboxId: ready.id };
    },
  };
}
