import type { Clock, PodRuntime, ContainerSpec, KubeletPod, RuntimeContainerStatus } from './runtime-interface.ts';
import { attemptsOf, generatePodStatus, type WaitingOverride } from './status.ts';
import { CrashBackoff, goDuration } from './pod-worker-backoff.ts';
import type { HookRunner } from './pod-worker-hooks.ts';
import type { ProbeManager } from './probes.ts';
import { ImageManager, type PullCredentialsSource } from './image-manager.ts';

/** An event the kubelet would record against the pod (type Normal or Warning). */
export type PodEventSink = (pod: KubeletPod, type: 'Normal' | 'Warning', reason: string, message: string) => void;

/** Collaborators of a PodWorker. */
export interface PodWorkerDeps {
  runtime: PodRuntime;
  clock: Clock;
  probes: ProbeManager;
  hooks: HookRunner;
  backoff: CrashBackoff;
  /** Image pull back-off, keyed by pod UID and image. */
  pullBackoff: CrashBackoff;
  /** Registry credentials from the pod's imagePullSecrets (none: anonymous pulls). */
  pullCredentials?: PullCredentialsSource;
  hostIP?: string;
  onEvent?: PodEventSink;
  /** Asks for a sync at a later time (when a back-off ends). */
  requestSync?: (delayMs: number) => void;
}

/** Outcome of one sync: the status to write, and whether the pod is fully torn down. */
export interface SyncResult {
  status: Record<string, unknown>;
  terminated: boolean;
}

type InitOutcome = 'done' | 'waiting' | 'failed';

/** format.Pod: name_namespace(uid), as kubelet messages name a pod. */
export function formatPod(pod: KubeletPod): string {
  return `${pod.metadata.name}_${pod.metadata.namespace ?? 'default'}(${pod.metadata.uid ?? ''})`;
}

/**
 * Drives one pod toward its spec, like kuberuntime's SyncPod: sandbox first, init containers one at
 * a time (each must exit 0), then every app container; dead containers are restarted per
 * restartPolicy behind CrashLoopBackOff; containers whose liveness or startup probe failed are
 * killed and replaced. Once the pod has a deletionTimestamp, `sync` tears it down (preStop, stop
 * with the grace period, sandbox removed). Callers must not run two syncs of one worker at once.
 */
export class PodWorker {
  private sandbox?: { id: string; ip: string; ready: boolean };
  private readonly waiting = new Map<string, WaitingOverride>();
  private lastStatus?: Record<string, unknown>;
  private terminal = false;
  private terminated = false;
  /** The volumes were set up once; later refreshes are the volume manager's periodic job. */
  private volumesReady = false;

  private readonly images: ImageManager;

  constructor(private readonly deps: PodWorkerDeps) {
    this.images = new ImageManager({ runtime: deps.runtime, clock: deps.clock, backoff: deps.pullBackoff, onEvent: deps.onEvent, credentials: deps.pullCredentials });
  }

  /** The pod's sandbox once it runs (the PLEG reports changes by sandbox id). */
  get sandboxId(): string | undefined {
    return this.sandbox?.id;
  }

  /**
   * Nothing about the pod changes unless its containers, its probes or its API object do: it has a
   * sandbox and no container waits on a back-off or an error. Such a pod is resynced rarely.
   */
  get steady(): boolean {
    return this.sandbox !== undefined && this.waiting.size === 0;
  }

  /** One sync of `pod` (the latest version from the API). */
  async sync(pod: KubeletPod): Promise<SyncResult> {
    if (pod.metadata.deletionTimestamp) return this.terminate(pod);
    if (!this.terminal) await this.converge(pod);
    let containers = await this.containers();
    let status = this.status(pod, containers, false);
    if (!this.terminal && (status.phase === 'Succeeded' || status.phase === 'Failed')) {
      // A pod in a terminal phase keeps no running pieces: kubelet kills what is left and stops the sandbox.
      this.terminal = true;
      await this.killAll(pod, containers, this.gracePeriod(pod));
      await this.stopSandbox();
      containers = await this.containers();
      status = this.status(pod, containers, false);
    }
    return { status, terminated: false };
  }

  private async converge(pod: KubeletPod): Promise<void> {
    this.waiting.clear();
    // Volumes are set up while the sandbox starts: only containers need them, so the
    // TokenRequest, tmpfs mount and file writes overlap RunPodSandbox instead of preceding it
    // (kubelet finishes volumes first). A volume failure is reported before a sandbox failure,
    // as kubelet would report it, and a sandbox that did start is kept for the retry.
    const volumes = this.volumesReady ? undefined : this.setUpVolumes(pod);
    const sandbox = this.sandbox ? undefined : this.deps.runtime.runSandbox(pod);
    const [volumeResult, sandboxResult] = await Promise.allSettled([volumes, sandbox]);
    if (sandboxResult.status === 'fulfilled' && sandboxResult.value) {
      this.sandbox = { id: sandboxResult.value.sandboxId, ip: sandboxResult.value.ip, ready: true };
    }
    if (volumeResult.status === 'rejected') throw volumeResult.reason;
    if (sandboxResult.status === 'rejected') throw sandboxResult.reason;
    const containers = await this.containers();
    if ((await this.syncInit(pod, containers)) !== 'done') return;
    for (const spec of pod.spec.containers) await this.syncApp(pod, spec, containers);
  }

  private async setUpVolumes(pod: KubeletPod): Promise<void> {
    await this.deps.runtime.setUpVolumes?.(pod);
    this.volumesReady = true;
  }

  private async syncInit(pod: KubeletPod, containers: RuntimeContainerStatus[]): Promise<InitOutcome> {
    for (const spec of pod.spec.initContainers ?? []) {
      const [latest] = attemptsOf(containers, spec.name);
      if (!latest) {
        await this.start(pod, spec, 0);
        return 'waiting';
      }
      if (latest.state !== 'exited') return 'waiting';
      if (latest.exitCode === 0) continue;
      // A failed init container fails the pod under Never; otherwise it is retried behind back-off.
      if (pod.spec.restartPolicy === 'Never') return 'failed';
      await this.restart(pod, spec, latest);
      return 'waiting';
    }
    return 'done';
  }

  private async syncApp(pod: KubeletPod, spec: ContainerSpec, containers: RuntimeContainerStatus[]): Promise<void> {
    const [latest] = attemptsOf(containers, spec.name);
    const policy = pod.spec.restartPolicy ?? 'Always';
    if (!latest) {
      await this.start(pod, spec, 0);
      return;
    }
    if (latest.state === 'running') {
      // A container this worker did not start (adopted after a kubelet restart) gets its probes now; idempotent.
      this.deps.probes.addContainer(latest.id, this.sandbox!.ip, spec);
      const failed = this.deps.probes.failedProbe(latest.id);
      if (!failed) return;
      this.deps.probes.removeContainer(latest.id);
      // A probe-level terminationGracePeriodSeconds overrides the pod's for probe-triggered kills.
      const probeGrace = (failed === 'liveness' ? spec.livenessProbe : spec.startupProbe)?.terminationGracePeriodSeconds;
      await this.stopContainer(pod, spec, latest.id, probeGrace ?? this.gracePeriod(pod), true, `Container ${spec.name} failed ${failed} probe, will be restarted`);
      // The liveness kill is not a crash: kubelet restarts at once (no back-off) unless restartPolicy is Never.
      if (policy !== 'Never') await this.start(pod, spec, latest.attempt + 1);
      return;
    }
    if (latest.state !== 'exited') return;
    this.deps.probes.removeContainer(latest.id);
    if (policy === 'Always' || (policy === 'OnFailure' && latest.exitCode !== 0)) await this.restart(pod, spec, latest);
  }

  /** Restarts a dead container unless it is in back-off, in which case it shows CrashLoopBackOff. */
  private async restart(pod: KubeletPod, spec: ContainerSpec, dead: RuntimeContainerStatus): Promise<void> {
    const key = `${pod.metadata.uid}/${spec.name}`;
    const now = this.deps.clock.now();
    const finishedAt = dead.finishedAt ?? now;
    if (this.deps.backoff.isInBackOffSince(key, finishedAt, now)) {
      const message = `back-off ${goDuration(this.deps.backoff.get(key))} restarting failed container=${spec.name} pod=${formatPod(pod)}`;
      this.waiting.set(spec.name, { reason: 'CrashLoopBackOff', message });
      this.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container ' + spec.name + ' in pod ' + formatPod(pod));
      this.deps.requestSync?.(this.deps.backoff.releaseAt(key, finishedAt) - now);
      return;
    }
    this.deps.backoff.next(key, now, finishedAt - (dead.startedAt ?? finishedAt));
    await this.start(pod, spec, dead.attempt + 1);
  }

  private async start(pod: KubeletPod, spec: ContainerSpec, attempt: number): Promise<boolean> {
    const { runtime } = this.deps;
    const sandbox = this.sandbox!;
    const image = await this.images.ensureImageExists(pod, spec);
    if ('reason' in image) {
      // kuberuntime's startContainer: the waiting state carries the image manager's message.
      this.waiting.set(spec.name, { reason: image.reason, message: image.message });
      this.event(pod, 'Warning', 'Failed', `Error: ${image.reason}`);
      return false;
    }
    let id: string;
    try {
      id = await runtime.createContainer(sandbox.id, pod, spec, attempt);
    } catch (err) {
      // ContainerConfigError carries CreateContainerConfigError (a missing ConfigMap key, ...).
      this.waiting.set(spec.name, { reason: (err as Error & { reason?: string }).reason ?? 'CreateContainerError', message: (err as Error).message });
      this.event(pod, 'Warning', 'Failed', `Error: ${(err as Error).message}`);
      return false;
    }
    this.event(pod, 'Normal', 'Created', `Created container ${spec.name}`);
    try {
      await runtime.startContainer(id);
    } catch (err) {
      this.waiting.set(spec.name, { reason: 'RunContainerError', message: (err as Error).message });
      this.event(pod, 'Warning', 'Failed', `Error: ${(err as Error).message}`);
      return false;
    }
    this.event(pod, 'Normal', 'Started', `Started container ${spec.name}`);
    if (spec.lifecycle?.postStart) {
      try {
        await this.deps.hooks(spec.lifecycle.postStart, { containerId: id, podIP: sandbox.ip, container: spec }, this.gracePeriod(pod));
      } catch (err) {
        // kubelet kills a container whose postStart hook failed; restartPolicy decides what follows.
        this.event(pod, 'Warning', 'FailedPostStartHook', (err as Error).message);
        await this.stopContainer(pod, spec, id, this.gracePeriod(pod), false, `FailedPostStartHook`);
        return false;
      }
    }
    this.deps.probes.addContainer(id, sandbox.ip, spec);
    return true;
  }

  /** Kills one container: preStop first (when asked), then stop with what is left of the grace period (min 2s). */
  private async stopContainer(pod: KubeletPod, spec: ContainerSpec, id: string, graceSeconds: number, runPreStop = true, why = `Stopping container ${spec.name}`): Promise<void> {
    let grace = graceSeconds;
    const preStop = spec.lifecycle?.preStop;
    if (runPreStop && preStop && grace > 0) {
      const started = this.deps.clock.now();
      let timer: unknown;
      // The preStop hook gets at most the grace period; kubelet then proceeds with the kill.
      const deadline = new Promise<void>((resolve) => { timer = this.deps.clock.setTimeout(resolve, grace * 1000); });
      const hook = this.deps.hooks(preStop, { containerId: id, podIP: this.sandbox?.ip ?? '', container: spec }, grace)
        .catch((err: Error) => this.event(pod, 'Warning', 'FailedPreStopHook', err.message));
      await Promise.race([hook, deadline]);
      this.deps.clock.clearTimeout(timer);
      grace -= Math.floor((this.deps.clock.now() - started) / 1000);
    }
    // kubelet's minimumGracePeriodInSeconds: a container always gets 2s after SIGTERM.
    grace = Math.max(2, grace);
    this.event(pod, 'Normal', 'Killing', why);
    await this.deps.runtime.stopContainer(id, grace);
  }

  private async killAll(pod: KubeletPod, containers: RuntimeContainerStatus[], grace: number): Promise<void> {
    const specs = [...(pod.spec.initContainers ?? []), ...pod.spec.containers];
    const running = containers.filter((c) => c.state === 'running' || c.state === 'created');
    // kubelet kills a pod's containers in parallel, each with its own preStop.
    await Promise.all(running.map(async (c) => {
      const spec = specs.find((s) => s.name === c.name) ?? { name: c.name };
      this.deps.probes.removeContainer(c.id);
      await this.stopContainer(pod, spec, c.id, grace);
    }));
  }

  /** Deletion: kill every container with the pod's grace period, remove the sandbox, report a terminal status. */
  private async terminate(pod: KubeletPod): Promise<SyncResult> {
    if (!this.terminated) {
      const containers = await this.containers();
      await this.killAll(pod, containers, this.gracePeriod(pod));
      this.lastStatus = this.status(pod, await this.containers(), true);
      await this.stopSandbox();
      this.lastStatus = this.status(pod, await this.containers(), true);
      if (this.sandbox) await this.deps.runtime.removeSandbox(this.sandbox.id);
      this.deps.backoff.forgetPrefix(`${pod.metadata.uid}/`);
      this.deps.pullBackoff.forgetPrefix(`${pod.metadata.uid}/`);
      this.terminated = true;
    }
    return { status: this.lastStatus ?? this.status(pod, [], true), terminated: true };
  }

  private async stopSandbox(): Promise<void> {
    if (!this.sandbox || !this.sandbox.ready) return;
    await this.deps.runtime.stopSandbox(this.sandbox.id);
    this.sandbox.ready = false;
  }

  /** Deletion grace (metadata.deletionGracePeriodSeconds) else spec.terminationGracePeriodSeconds, default 30. */
  private gracePeriod(pod: KubeletPod): number {
    return pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
  }

  private async containers(): Promise<RuntimeContainerStatus[]> {
    return this.sandbox ? this.deps.runtime.containerStatuses(this.sandbox.id) : [];
  }

  private status(pod: KubeletPod, containers: RuntimeContainerStatus[], podIsTerminal: boolean): Record<string, unknown> {
    const apiStatus = (pod.status ?? {}) as Record<string, unknown>;
    const ours = (this.lastStatus?.conditions as { type: string }[] | undefined) ?? [];
    const theirs = ((apiStatus.conditions as { type: string }[] | undefined) ?? []).filter((c) => !ours.some((o) => o.type === c.type));
    const old = { ...apiStatus, ...(this.lastStatus ?? {}), conditions: [...ours, ...theirs] };
    const { probes } = this.deps;
    this.lastStatus = generatePodStatus({
      pod: { ...pod, status: old },
      sandbox: this.sandbox ? { ip: this.sandbox.ip, ready: this.sandbox.ready } : undefined,
      containers,
      isReady: (id) => probes.isReady(id),
      isStarted: (id) => probes.isStarted(id),
      waiting: podIsTerminal ? new Map() : this.waiting,
      hostIP: this.deps.hostIP,
      now: this.deps.clock.now(),
      podIsTerminal,
    });
    return this.lastStatus;
  }

  private event(pod: KubeletPod, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.deps.onEvent?.(pod, type, reason, message);
  }
}
