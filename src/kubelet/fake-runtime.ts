import type {
  Clock,
  PodRuntime,
  ContainerSpec,
  ExecResult,
  KubeletPod,
  PullAuth,
  RuntimeContainerStatus,
  RuntimeImage,
  SandboxInfo,
} from './runtime-interface.ts';
import { sandboxFingerprints } from './pleg.ts';

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
}

/** Deterministic clock: time moves only through `advance`, firing due timers in time order. */
export class FakeClock implements Clock {
  private current: number;
  private seq = 0;
  private readonly timers = new Map<number, Timer>();

  constructor(start = Date.parse('2026-01-01T00:00:00Z')) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const seq = ++this.seq;
    this.timers.set(seq, { at: this.current + Math.max(0, ms), seq, fn });
    return seq;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Moves time forward by `ms`, firing each due timer and letting its async work settle before the next. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    await settle(); // work already under way runs at the current time first
    for (;;) {
      const next = [...this.timers.values()].filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next) break;
      this.timers.delete(next.seq);
      this.current = next.at;
      next.fn();
      await settle();
    }
    this.current = target;
    await settle();
  }
}

/** Lets pending promise chains run (several macrotask turns). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** What one run of a container does: exit after `exitAfterMs` (never, if absent) with `exitCode`. */
export interface ScriptedRun {
  exitAfterMs?: number;
  exitCode?: number;
  reason?: string;
}

interface FakeContainer extends RuntimeContainerStatus {
  sandboxId: string;
  timer?: unknown;
}

/**
 * In-memory PodRuntime for tests. Containers run until their scripted exit (per container
 * name, one ScriptedRun per start) or until stopped. Every call is appended to `calls`.
 */
export class FakeRuntime implements PodRuntime {
  readonly calls: string[] = [];
  readonly sandboxes = new Map<string, { pod: KubeletPod; state: 'ready' | 'notready' }>();
  private readonly containers = new Map<string, FakeContainer>();
  private readonly scripts = new Map<string, ScriptedRun[]>();
  private readonly pullErrors = new Map<string, string>();
  private readonly images = new Set<string>();
  private nextId = 0;
  /** Volume set-up the test scripts (none by default). */
  setUpVolumes?: (pod: KubeletPod) => Promise<void>;
  /** Exec handler; default: exit 0. */
  execHandler: (container: RuntimeContainerStatus, cmd: string[]) => ExecResult | Promise<ExecResult> = () => ({ exitCode: 0, stdout: '', stderr: '' });

  constructor(private readonly clock: Clock) {}

  /** Queues the behaviour of the next starts of containers named `name`. */
  script(name: string, ...runs: ScriptedRun[]): void {
    this.scripts.set(name, [...(this.scripts.get(name) ?? []), ...runs]);
  }

  /** Makes pulls of `image` fail with `message`. */
  failPull(image: string, message: string): void {
    this.pullErrors.set(image, message);
  }

  async runSandbox(pod: KubeletPod): Promise<SandboxInfo> {
    const sandboxId = `sandbox-${++this.nextId}`;
    this.calls.push(`runSandbox ${pod.metadata.name}`);
    this.sandboxes.set(sandboxId, { pod, state: 'ready' });
    return { sandboxId, ip: `10.42.0.${this.sandboxes.size + 1}` };
  }

  async stopSandbox(sandboxId: string): Promise<void> {
    this.calls.push(`stopSandbox ${sandboxId}`);
    const sandbox = this.sandboxes.get(sandboxId);
    if (sandbox) sandbox.state = 'notready';
    for (const c of this.containers.values()) if (c.sandboxId === sandboxId && c.state === 'running') this.exit(c, 137, 'Error');
  }

  async removeSandbox(sandboxId: string): Promise<void> {
    this.calls.push(`removeSandbox ${sandboxId}`);
    this.sandboxes.delete(sandboxId);
    for (const [id, c] of this.containers) if (c.sandboxId === sandboxId) this.containers.delete(id);
  }

  /** Marks `image` (as the runtime is asked for it, default tag applied) as present. */
  addImage(image: string): void {
    this.images.add(image);
  }

  async imageStatus(image: string): Promise<RuntimeImage | undefined> {
    this.calls.push(`imageStatus ${image}`);
    return this.images.has(image) ? { ref: fakeImageRef(image), size: 1024 } : undefined;
  }

  async pullImage(image: string, auths: PullAuth[] = []): Promise<RuntimeImage> {
    this.calls.push(`pullImage ${image}${auths.length ? ` as ${auths.map((a) => a.username).join(',')}` : ''}`);
    const error = this.pullErrors.get(image);
    if (error) throw new Error(error);
    this.images.add(image);
    return { ref: fakeImageRef(image), size: 1024 };
  }

  async createContainer(sandboxId: string, _pod: KubeletPod, container: ContainerSpec, attempt: number): Promise<string> {
    if (!this.sandboxes.has(sandboxId)) throw new Error(`sandbox ${sandboxId} not found`);
    const id = `c${++this.nextId}`;
    this.calls.push(`createContainer ${container.name} ${attempt}`);
    const image = container.image ?? '';
    this.containers.set(id, {
      id, sandboxId, name: container.name, attempt, state: 'created', createdAt: this.clock.now(),
      image, imageId: fakeImageRef(image),
    });
    return id;
  }

  async startContainer(containerId: string): Promise<void> {
    const c = this.mustGet(containerId);
    this.calls.push(`startContainer ${c.name}`);
    c.state = 'running';
    c.startedAt = this.clock.now();
    const run = this.scripts.get(c.name)?.shift();
    if (run?.exitAfterMs !== undefined) {
      const code = run.exitCode ?? 0;
      c.timer = this.clock.setTimeout(() => this.exit(c, code, run.reason ?? (code === 0 ? 'Completed' : 'Error')), run.exitAfterMs);
    }
  }

  async stopContainer(containerId: string, graceSeconds: number): Promise<void> {
    const c = this.mustGet(containerId);
    this.calls.push(`stopContainer ${c.name} ${graceSeconds}`);
    // A fake process honours SIGTERM at once: exit 143 (128 + SIGTERM) as a real shell would.
    if (c.state === 'running' || c.state === 'created') this.exit(c, 143, 'Error');
  }

  async removeContainer(containerId: string): Promise<void> {
    this.calls.push(`removeContainer ${containerId}`);
    this.containers.delete(containerId);
  }

  async containerStatuses(sandboxId: string): Promise<RuntimeContainerStatus[]> {
    return [...this.containers.values()].filter((c) => c.sandboxId === sandboxId).map(({ sandboxId: _s, timer: _t, ...rest }) => ({ ...rest }));
  }

  async relist(): Promise<Map<string, string>> {
    return sandboxFingerprints(this.containers.values());
  }

  async exec(containerId: string, cmd: string[]): Promise<ExecResult> {
    const c = this.mustGet(containerId);
    this.calls.push(`exec ${c.name} ${cmd.join(' ')}`);
    if (c.state !== 'running') throw new Error(`container ${containerId} is not running`);
    return this.execHandler(c, cmd);
  }

  /** The container with this name and the highest attempt (test helper). */
  latest(name: string): RuntimeContainerStatus | undefined {
    return [...this.containers.values()].filter((c) => c.name === name).sort((a, b) => b.attempt - a.attempt)[0];
  }

  private exit(c: FakeContainer, exitCode: number, reason: string): void {
    if (c.state === 'exited') return;
    if (c.timer !== undefined) this.clock.clearTimeout(c.timer);
    c.state = 'exited';
    c.exitCode = exitCode;
    c.reason = reason;
    c.finishedAt = this.clock.now();
  }

  private mustGet(id: string): FakeContainer {
    const c = this.containers.get(id);
    if (!c) throw new Error(`container ${id} not found`);
    return c;
  }
}

function fakeImageRef(image: string): string {
  return `docker.io/library/${image}@sha256:${'0'.repeat(64)}`;
}
