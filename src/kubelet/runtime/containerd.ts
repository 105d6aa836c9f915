import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CriClient } from '../cri/client.ts';
import { readRegistries, renderRegistryAuth, writeHostsDir } from './registries.ts';

/** The pause image every sandbox runs, built offline by `skiff images build`. */
export const SANDBOX_IMAGE = 'skiff.local/pause:3.10';
/** Host containerd binary (Debian's containerd package). */
export const CONTAINERD_BIN = '/usr/bin/containerd';
/** Host CNI plugin directory (Debian's containernetworking-plugins). */
export const CNI_BIN_DIR = '/usr/lib/cni';

/** Filesystem layout of skiff's containerd under an agent directory. */
export interface ContainerdPaths {
  dir: string;
  config: string;
  socket: string;
  root: string;
  state: string;
  certsDir: string;
  cniConfDir: string;
  log: string;
}

/** The paths skiff's containerd uses under `agentDir` (all under agentDir/containerd except CNI confs). */
export function containerdPaths(agentDir: string): ContainerdPaths {
  const dir = join(agentDir, 'containerd');
  return {
    dir,
    config: join(dir, 'config.toml'),
    socket: join(dir, 'containerd.sock'),
    root: join(dir, 'root'),
    state: join(dir, 'state'),
    certsDir: join(dir, 'certs.d'),
    cniConfDir: join(agentDir, 'cni', 'net.d'),
    log: join(dir, 'containerd.log'),
  };
}

const q = (s: string): string => JSON.stringify(s);

/**
 * containerd's config.toml (schema version 2) for a skiff agent: private root/state/socket so it
 * never touches a system containerd, the CRI plugin with the offline pause image, overlayfs,
 * runc v2 with cgroupfs (SystemdCgroup false: hosts without systemd-managed cgroups, like k3s's
 * default), CNI from the host plugins and the agent's conf dir, and registry hosts from
 * `certsDir` (config_path). `registryAuth` is extra TOML from registries.yaml credentials.
 * `restrictOOMScoreAdj` clamps containers' oom_score_adj to containerd's own (k3s does this when
 * rootless): without CAP_SYS_RESOURCE runc cannot set the pause container's -998.
 */
export function renderContainerdConfig(paths: ContainerdPaths, registryAuth = '', restrictOOMScoreAdj = false): string {
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  return [
    'version = 2',
    `root = ${q(paths.root)}`,
    `state = ${q(paths.state)}`,
    '',
    '[grpc]',
    `  address = ${q(paths.socket)}`,
    '',
    '[plugins."io.containerd.internal.v1.opt"]',
    `  path = ${q(join(paths.dir, 'opt'))}`,
    '',
    `[${cri}]`,
    `  sandbox_image = ${q(SANDBOX_IMAGE)}`,
    '  stream_server_address = "127.0.0.1"',
    '  stream_server_port = "0"',
    `  restrict_oom_score_adj = ${restrictOOMScoreAdj}`,
    `[${cri}.containerd]`,
    '  snapshotter = "overlayfs"',
    '  default_runtime_name = "runc"',
    `[${cri}.containerd.runtimes.runc]`,
    '  runtime_type = "io.containerd.runc.v2"',
    `[${cri}.containerd.runtimes.runc.options]`,
    '  SystemdCgroup = false',
    `  Root = ${q(join(paths.state, 'runc'))}`,
    `[${cri}.cni]`,
    `  bin_dir = ${q(CNI_BIN_DIR)}`,
    `  conf_dir = ${q(paths.cniConfDir)}`,
    `[${cri}.registry]`,
    `  config_path = ${q(paths.certsDir)}`,
    registryAuth,
    '',
  ].join('\n');
}

/** CAP_SYS_RESOURCE's bit in /proc/self/status CapEff. */
const CAP_SYS_RESOURCE = 24n;

/** True when this process may lower oom_score_adj (has CAP_SYS_RESOURCE); sandboxed hosts often lack it. */
export function canLowerOOMScoreAdj(): boolean {
  const match = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return !!match && ((BigInt(`0x${match[1]}`) >> CAP_SYS_RESOURCE) & 1n) === 1n;
}

/** A running containerd started by skiff. */
export interface RunningContainerd {
  /** Path of containerd's gRPC unix socket (CRI + containerd APIs). */
  socket: string;
  /** The child's pid. */
  pid: number;
  /** SIGTERM, then SIGKILL after 10s; resolves once the process exited. */
  stop(): Promise<void>;
}

/** Options of `startContainerd`. */
export interface StartContainerdOptions {
  /** How long to wait for the socket and CRI RuntimeReady (default 30s). */
  readyTimeoutMs?: number;
  /** containerd binary (default /usr/bin/containerd). */
  binary?: string;
}

/**
 * Writes agentDir/containerd/config.toml (plus hosts.toml files from agentDir/registries.yaml)
 * and starts containerd as a child process logging to agentDir/containerd/containerd.log.
 * Resolves when the socket answers CRI Status with RuntimeReady true (NetworkReady may still be
 * false until a CNI config exists, as with the kubelet). Rejects, after killing the child, if
 * containerd exits or is not ready in time.
 */
export async function startContainerd(agentDir: string, options: StartContainerdOptions = {}): Promise<RunningContainerd> {
  const paths = containerdPaths(agentDir);
  for (const dir of [paths.dir, paths.root, paths.state, paths.certsDir, paths.cniConfDir]) mkdirSync(dir, { recursive: true });
  const registries = readRegistries(join(agentDir, 'registries.yaml'));
  writeHostsDir(paths.certsDir, registries);
  writeFileSync(paths.config, renderContainerdConfig(paths, renderRegistryAuth(registries), !canLowerOOMScoreAdj()), { mode: 0o600 });

  const log = createWriteStream(paths.log, { flags: 'a' });
  const child = spawn(options.binary ?? CONTAINERD_BIN, ['--config', paths.config], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    await killChild(child, exited);
    log.end();
  };
  try {
    await waitReady(paths.socket, child, options.readyTimeoutMs ?? 30_000);
  } catch (err) {
    await stop();
    throw new Error(`containerd did not become ready (log: ${paths.log}): ${(err as Error).message}`);
  }
  return { socket: paths.socket, pid: child.pid ?? -1, stop };
}

async function killChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => { if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGKILL'); }, 10_000);
  await exited;
  clearTimeout(timer);
}

async function waitReady(socket: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'socket not created';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited (${child.exitCode ?? child.signalCode})`);
    if (existsSync(socket)) {
      const client = new CriClient(socket, { timeoutMs: 2000 });
      try {
        const conditions = await client.status();
        if (conditions.find((c) => c.type === 'RuntimeReady')?.status) return;
        last = `not ready: ${JSON.stringify(conditions)}`;
      } catch (err) {
        last = (err as Error).message;
      } finally {
        client.close();
      }
    }
    await sleep(200);
  }
  throw new Error(`timed out: ${last}`);
}
