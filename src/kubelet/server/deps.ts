import type { ContainerRuntime } from '../cri/interface.ts';

/**
 * A request the kubelet refuses with an HTTP status and a plain-text message, as the kubelet's
 * HTTP handlers answer (e.g. 404 `pod "web" not found`, 400 `container "app" in pod "web" is
 * waiting to start: ContainerCreating`). The API server passes the message on to the client.
 */
export class KubeletRequestError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
    this.name = 'KubeletRequestError';
  }
}

/** Where a container's log is and which CRI container it is. */
export interface ContainerRef {
  containerId: string;
  /** Absolute path of the CRI log file (sandbox logDirectory joined with the container's logPath). */
  logPath: string;
}

/**
 * What the kubelet's HTTPS server needs from the rest of the kubelet, implemented from its pod
 * state. Lookups may return or throw a `KubeletRequestError` (other errors answer 500).
 */
export interface KubeletServerDeps {
  /**
   * The container `container` of pod `namespace/podName`: its current instance, or with
   * `previous` the last terminated one (kubectl logs --previous).
   */
  findContainer(namespace: string, podName: string, container: string, previous: boolean): Promise<ContainerRef | Error> | ContainerRef | Error;
  /** The running sandbox of pod `namespace/podName` (for port-forward). */
  findSandbox(namespace: string, podName: string): Promise<{ sandboxId: string } | Error> | { sandboxId: string } | Error;
  /** The CRI calls the server makes. */
  cri: Pick<ContainerRuntime, 'containerStatus' | 'exec' | 'attach' | 'portForward'>;
}

/** Awaits a dependency's answer and throws it when it is an Error. */
export async function resolveDep<T>(value: Promise<T | Error> | T | Error): Promise<T> {
  const result = await value;
  if (result instanceof Error) throw result;
  return result;
}
