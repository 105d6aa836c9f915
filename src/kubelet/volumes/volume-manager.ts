/**
 * The kubelet's volume manager, reduced to what a node without attach/detach needs: it sets up
 * every volume of a pod under `<podsDir>/<uid>/`, refreshes API-data volumes on each call (so
 * ConfigMap, Secret and token updates land in place), turns a container's volumeMounts into CRI
 * mounts (plus the managed /etc/hosts and the termination-log file), and tears a pod's
 * directory down (tmpfs unmounted first).
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { isAbsolute, join, normalize, sep } from 'node:path';
import type { KubeObject } from '../../api/object.ts';
import type { Mount } from '../cri/types.ts';
import { expand, mappingFor } from '../env/expansion.ts';
import type { ContainerSpec, KubeletPod, VolumeMountSpec } from '../runtime-interface.ts';
import { managedHostsFile, nodeHostsFile } from './etc-hosts.ts';
import { mountsUnder, unmount } from './mounter.ts';
import { TokenManager, type IssuedToken } from './token-manager.ts';
import { PLUGIN_DIRS, setUpVolume, volumeSource, type VolumeLocation, type VolumeSpec } from './volume-setup.ts';

/** Where the volume manager reads API objects and gets service account tokens. */
export interface PodObjectSource {
  getConfigMap(namespace: string, name: string): Promise<KubeObject | undefined>;
  getSecret(namespace: string, name: string): Promise<KubeObject | undefined>;
  /** Requests a token bound to `pod` for its service account (TokenRequest). */
  requestServiceAccountToken(pod: KubeletPod, audiences: string[] | undefined, expirationSeconds: number): Promise<IssuedToken>;
  getPersistentVolumeClaim?(namespace: string, name: string): Promise<KubeObject | undefined>;
  getPersistentVolume?(name: string): Promise<KubeObject | undefined>;
}

/** Options of a VolumeManager. */
export interface VolumeManagerOptions {
  /** kubelet's `<root>/pods`. */
  podsDir: string;
  source: PodObjectSource;
  nodeName: string;
  now?: () => number;
  /** Node allocatable, for downward API `limits.*` of containers without limits. */
  nodeAllocatable?: Record<string, string | number>;
  /** Default `cluster.local`. */
  clusterDomain?: string;
  /** Back secret and projected volumes with tmpfs, as Kubernetes does (default true). */
  memoryBacked?: boolean;
}

/** One volume that failed to set up, with the kubelet's FailedMount event text. */
export interface MountFailure {
  volume: string;
  message: string;
}

/** setUpPod's failure: one FailedMount event message per volume that could not be set up. */
export class VolumeMountError extends Error {
  readonly reason = 'FailedMount';
  readonly events: string[];
  constructor(readonly failures: MountFailure[]) {
    const events = failures.map((f) => `MountVolume.SetUp failed for volume "${f.volume}" : ${f.message}`);
    super(events.join('\n'));
    this.events = events;
  }
}

/** kubelet reads at most this much of a termination message file. */
const MAX_TERMINATION_MESSAGE = 4096;
const PROPAGATION: Record<string, Mount['propagation']> = {
  HostToContainer: 'PROPAGATION_HOST_TO_CONTAINER',
  Bidirectional: 'PROPAGATION_BIDIRECTIONAL',
};

/** Extra inputs of mountsFor: the container's env (for subPathExpr) and the pod IPs (for /etc/hosts). */
export interface MountOptions {
  env?: { key: string; value: string }[];
  podIPs?: string[];
}

/** Sets up, mounts and tears down pod volumes on this node. */
export class VolumeManager {
  private readonly locations = new Map<string, Map<string, VolumeLocation>>();
  private readonly tokens: TokenManager;
  private readonly now: () => number;
  /** The setup in progress (or last queued) per pod UID. */
  private readonly settingUp = new Map<string, Promise<void>>();

  constructor(private readonly opts: VolumeManagerOptions) {
    this.now = opts.now ?? Date.now;
    this.tokens = new TokenManager((pod, aud, exp) => opts.source.requestServiceAccountToken(pod, aud, exp), this.now);
  }

  /** `<podsDir>/<uid>`. */
  podDir(podUid: string): string {
    return join(this.opts.podsDir, podUid);
  }

  /**
   * Creates or refreshes every volume of the pod; safe to call on every pod sync (kubelet remounts
   * API-data volumes periodically, and service account tokens renew at 80% of their lifetime).
   * Rejects with a VolumeMountError listing every volume that failed; the others are set up.
   */
  async setUpPod(pod: KubeletPod): Promise<void> {
    const uid = pod.metadata.uid ?? '';
    if (!uid) throw new Error('pod has no uid');
    // One setup of a pod at a time (kubelet's pending-operations guard): the periodic refresh and
    // the pod's first sync used to write the same projected volume at once, and the loser's
    // EEXIST failed that sync, delaying the pod's start by a resync period.
    const before = this.settingUp.get(uid);
    const mine = (before ?? Promise.resolve()).catch(() => undefined).then(() => this.setUpPodNow(uid, pod));
    this.settingUp.set(uid, mine);
    try {
      await mine;
    } finally {
      if (this.settingUp.get(uid) === mine) this.settingUp.delete(uid);
    }
  }

  private async setUpPodNow(uid: string, pod: KubeletPod): Promise<void> {
    const podDir = this.podDir(uid);
    mkdirSync(join(podDir, 'volumes'), { recursive: true, mode: 0o750 });
    const located = this.locations.get(uid) ?? new Map<string, VolumeLocation>();
    this.locations.set(uid, located);
    const failures: MountFailure[] = [];
    const deps = { ...this.opts.source, tokens: this.tokens, now: this.now, nodeAllocatable: this.opts.nodeAllocatable, memoryBacked: this.opts.memoryBacked ?? true };
    for (const volume of (pod.spec.volumes as VolumeSpec[] | undefined) ?? []) {
      try {
        located.set(volume.name, await setUpVolume(podDir, pod, volume, deps));
      } catch (err) {
        failures.push({ volume: volume.name, message: (err as Error).message });
      }
    }
    if (failures.length > 0) throw new VolumeMountError(failures);
  }

  /** When the pod next needs a setUpPod for a token renewal (epoch ms), if it has tokens. */
  nextRefresh(podUid: string): number | undefined {
    return this.tokens.nextRefresh(podUid);
  }

  /**
   * The CRI mounts of `container`: its volumeMounts (subPath and subPathExpr resolved inside the
   * volume, created as a directory when missing; API-data volumes read-only), the pod's
   * /etc/hosts (written when `podIPs` are given and the container does not mount /etc/hosts
   * itself) and a fresh termination-log file at terminationMessagePath. Throws on a mount naming
   * no volume or a subPath escaping its volume.
   */
  mountsFor(pod: KubeletPod, container: ContainerSpec, options: MountOptions = {}): Mount[] {
    const uid = pod.metadata.uid ?? '';
    const mounts: Mount[] = [];
    for (const vm of container.volumeMounts ?? []) mounts.push(this.volumeMount(pod, container, vm, options));
    const hosts = this.hostsFile(pod, options.podIPs);
    if (hosts && !(container.volumeMounts ?? []).some((m) => m.mountPath === '/etc/hosts')) mounts.push({ containerPath: '/etc/hosts', hostPath: hosts });
    const messagePath = container.terminationMessagePath ?? '/dev/termination-log';
    if (messagePath) {
      const dir = join(this.podDir(uid), 'containers', container.name);
      mkdirSync(dir, { recursive: true });
      // A new file per container instance: the path carries a random id, as kubelet's makeUID.
      const file = join(dir, randomBytes(4).toString('hex'));
      closeSync(openSync(file, 'w'));
      chmodSync(file, 0o666);
      mounts.push({ containerPath: messagePath, hostPath: file });
    }
    return mounts;
  }

  /** Unmounts what is mounted under the pod's directory (deepest first) and removes it. */
  async tearDownPod(podUid: string): Promise<void> {
    // A uid is one path element: an empty or odd one must never widen the removal to podsDir.
    if (!podUid || podUid.includes('/') || podUid.startsWith('.')) throw new Error(`invalid pod uid ${JSON.stringify(podUid)}`);
    const podDir = this.podDir(podUid);
    this.locations.delete(podUid);
    this.tokens.forgetPod(podUid);
    for (const mountPoint of mountsUnder(podDir)) await unmount(mountPoint);
    const left = mountsUnder(podDir);
    // Never remove through a mount: that would delete what it exposes.
    if (left.length > 0) throw new Error(`cannot remove ${podDir}: still mounted: ${left.join(', ')}`);
    await rm(podDir, { recursive: true, force: true });
  }

  /** UIDs of pods that have a directory on disk (orphans after a restart are those the API no longer has). */
  podUidsOnDisk(): string[] {
    try {
      return readdirSync(this.opts.podsDir, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name);
    } catch {
      return [];
    }
  }

  private location(pod: KubeletPod, volume: VolumeSpec): VolumeLocation {
    const uid = pod.metadata.uid ?? '';
    const known = this.locations.get(uid)?.get(volume.name);
    if (known) return known;
    const kind = volumeSource(volume);
    if (kind === 'hostPath') return { path: volume.hostPath!.path, readOnly: false };
    if (PLUGIN_DIRS[kind]) return { path: join(this.podDir(uid), 'volumes', PLUGIN_DIRS[kind], volume.name), readOnly: kind !== 'emptyDir' };
    throw new Error(`volume ${JSON.stringify(volume.name)} is not set up`);
  }

  private volumeMount(pod: KubeletPod, container: ContainerSpec, vm: VolumeMountSpec, options: MountOptions): Mount {
    const volume = ((pod.spec.volumes as VolumeSpec[] | undefined) ?? []).find((v) => v.name === vm.name);
    if (!volume) throw new Error(`cannot find volume ${JSON.stringify(vm.name)} to mount into container ${JSON.stringify(container.name)}`);
    const { path, readOnly } = this.location(pod, volume);
    let subPath = vm.subPath ?? '';
    if (vm.subPathExpr) subPath = expand(vm.subPathExpr, mappingFor(new Map((options.env ?? []).map((e) => [e.key, e.value]))));
    const hostPath = subPath ? resolveSubPath(path, subPath) : path;
    const mount: Mount = { containerPath: vm.mountPath, hostPath, readonly: Boolean(vm.readOnly) || readOnly };
    const propagation = PROPAGATION[vm.mountPropagation ?? ''];
    if (propagation) mount.propagation = propagation;
    return mount;
  }

  /** Writes `<podDir>/etc-hosts` when the pod IPs are known; resolves its path if it exists. */
  private hostsFile(pod: KubeletPod, podIPs: string[] | undefined): string | undefined {
    const file = join(this.podDir(pod.metadata.uid ?? ''), 'etc-hosts');
    if (podIPs && podIPs.length > 0) {
      mkdirSync(this.podDir(pod.metadata.uid ?? ''), { recursive: true });
      const content = pod.spec.hostNetwork ? nodeHostsFile(pod) : managedHostsFile(pod, podIPs, this.opts.clusterDomain ?? 'cluster.local');
      writeFileSync(file, content, { mode: 0o644 });
      chmodSync(file, 0o644);
    }
    return existsSync(file) ? file : undefined;
  }
}

/**
 * A subPath inside a volume: no absolute paths or `..` steps, created as a directory when missing
 * (with the volume's permissions), and after resolving symlinks still inside the volume.
 */
function resolveSubPath(volumePath: string, subPath: string): string {
  if (isAbsolute(subPath)) throw new Error(`unable to provision SubPath \`${subPath}\`: must be a relative path`);
  if (normalize(subPath).split(sep).includes('..')) throw new Error(`unable to provision SubPath \`${subPath}\`: must not contain '..'`);
  const full = join(volumePath, subPath);
  if (!existsSync(full)) mkdirSync(full, { recursive: true, mode: statSync(volumePath).mode & 0o7777 });
  const real = realpathSync(full);
  const root = realpathSync(volumePath);
  if (real !== root && !real.startsWith(root + sep)) throw new Error(`subpath ${JSON.stringify(real)} not within volume path ${JSON.stringify(root)}`);
  return real;
}

/**
 * The termination message a container left (at most 4 KiB), read from the file mountsFor gave
 * it; undefined when the container has no such mount or wrote nothing.
 */
export function readTerminationMessage(mounts: Mount[], container: ContainerSpec): string | undefined {
  const path = container.terminationMessagePath ?? '/dev/termination-log';
  const mount = mounts.find((m) => m.containerPath === path);
  if (!mount) return undefined;
  try {
    const text = readFileSync(mount.hostPath).subarray(0, MAX_TERMINATION_MESSAGE).toString('utf8');
    return text === '' ? undefined : text;
  } catch {
    return undefined;
  }
}
