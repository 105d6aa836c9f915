import type { Clock, PodRuntime, ContainerSpec, KubeletPod } from './runtime-interface.ts';
import type { CrashBackoff } from './pod-worker-backoff.ts';
import { goDurationMillis } from './pod-worker-backoff.ts';
import type { PodEventSink } from './pod-worker.ts';
import { missingSecretsMessage, type PullCredentials } from './pull-secrets.ts';

/** Pull errors that mean no registry could be reached (DNS, routing, refused or timed-out connections). */
const UNREACHABLE = /no such host|network is unreachable|connection refused|i\/o timeout|dial tcp|server misbehaving|temporary failure in name resolution/i;

/** kubelet's default pull policy: Always for :latest or untagged images, else IfNotPresent. */
export function pullPolicy(container: ContainerSpec): string {
  if (container.imagePullPolicy) return container.imagePullPolicy;
  const image = container.image ?? '';
  const lastPart = image.slice(image.lastIndexOf('/') + 1);
  if (image.includes('@')) return 'IfNotPresent';
  return !lastPart.includes(':') || lastPart.endsWith(':latest') ? 'Always' : 'IfNotPresent';
}

/** kubelet's applyDefaultImageTag: an image with neither tag nor digest is pulled as `:latest`. */
export function withDefaultTag(image: string): string {
  if (image.includes('@')) return image;
  const lastPart = image.slice(image.lastIndexOf('/') + 1);
  return lastPart.includes(':') ? image : `${image}:latest`;
}

/** Credentials for a pod's image from its imagePullSecrets. */
export type PullCredentialsSource = (pod: KubeletPod, image: string) => Promise<PullCredentials>;

/** Collaborators of an ImageManager. */
export interface ImageManagerDeps {
  runtime: PodRuntime;
  clock: Clock;
  /** Pull back-off, keyed by `<pod uid>/<image>`. */
  backoff: CrashBackoff;
  onEvent?: PodEventSink;
  credentials?: PullCredentialsSource;
}

/** The image is there (its reference), or the waiting reason and message the container shows. */
export type EnsureImageResult = { imageRef: string } | { reason: 'ErrImagePull' | 'ImagePullBackOff' | 'ErrImageNeverPull' | 'ImageInspectError'; message: string };

/**
 * kubelet's image manager (EnsureImageExists): honours imagePullPolicy against what the runtime
 * holds, keeps failed pulls of a pod's image behind a back-off (ImagePullBackOff), pulls with the
 * credentials of the pod's imagePullSecrets, and records kubelet's events: Pulling, Pulled
 * ("Successfully pulled ..." or "... already present on machine"), Failed, BackOff,
 * ErrImageNeverPull, InspectFailed and FailedToRetrieveImagePullSecret.
 */
export class ImageManager {
  constructor(private readonly deps: ImageManagerDeps) {}

  async ensureImageExists(pod: KubeletPod, container: ContainerSpec): Promise<EnsureImageResult> {
    const { runtime, clock, backoff } = this.deps;
    const image = container.image ?? '';
    const ref = withDefaultTag(image);
    const policy = pullPolicy(container);
    if (policy !== 'Always') {
      let present;
      try {
        present = await runtime.imageStatus(ref);
      } catch (err) {
        const message = `Failed to inspect image "${image}": ${(err as Error).message}`;
        this.event(pod, 'Warning', 'InspectFailed', message);
        return { reason: 'ImageInspectError', message };
      }
      if (present) {
        this.event(pod, 'Normal', 'Pulled', `Container image "${image}" already present on machine`);
        return { imageRef: present.ref };
      }
      if (policy === 'Never') {
        const message = `Container image "${image}" is not present with pull policy of Never`;
        this.event(pod, 'Warning', 'ErrImageNeverPull', message);
        return { reason: 'ErrImageNeverPull', message };
      }
    }
    const key = `${pod.metadata.uid}/${image}`;
    if (backoff.isInBackOffSinceUpdate(key, clock.now())) {
      const message = `Back-off pulling image "${image}"`;
      this.event(pod, 'Normal', 'BackOff', message);
      return { reason: 'ImagePullBackOff', message };
    }
    const started = clock.now();
    try {
      const creds = await this.credentials(pod, image);
      this.event(pod, 'Normal', 'Pulling', `Pulling image "${image}"`);
      const pulled = await runtime.pullImage(ref, creds);
      const took = goDurationMillis(clock.now() - started);
      this.event(pod, 'Normal', 'Pulled', `Successfully pulled image "${image}" in ${took} (${took} including waiting). Image size: ${pulled.size} bytes.`);
      return { imageRef: pulled.ref };
    } catch (err) {
      const message = (err as Error).message;
      // Deliberately unlike kubelet: a node that reaches no registry at all (DNS, routing, refused
      // connections) runs the copy it already has, so air-gapped clusters run `image: nginx` (policy
      // Always) from the offline images. Any answer from a registry (auth refused, not found) still fails.
      if (policy === 'Always' && UNREACHABLE.test(message)) {
        const present = await runtime.imageStatus(ref).catch(() => undefined);
        if (present) {
          this.event(pod, 'Normal', 'Pulled', `Container image "${image}" already present on machine; no registry is reachable (${message})`);
          return { imageRef: present.ref };
        }
      }
      this.event(pod, 'Warning', 'Failed', `Failed to pull image "${image}": ${message}`);
      backoff.next(key, clock.now());
      return { reason: 'ErrImagePull', message };
    }
  }

  /** The pod's credentials for `image`; warns once per pull about pull secrets that could not be read. */
  private async credentials(pod: KubeletPod, image: string): Promise<PullCredentials['auths']> {
    if (!this.deps.credentials) return [];
    const { auths, missing } = await this.deps.credentials(pod, image);
    if (missing.length) this.event(pod, 'Warning', 'FailedToRetrieveImagePullSecret', missingSecretsMessage(missing));
    return auths;
  }

  private event(pod: KubeletPod, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.deps.onEvent?.(pod, type, reason, message);
  }
}
