/**
 * Pod startup latency on a real node (issue 4's benchmark): a `skiff server --disable-agent` plus
 * a real `skiff agent` (containerd, runc, CNI) in its own process. Pods are created one at a time
 * (image already present) and each one's latency is creation -> Running with its container
 * running, as seen through a watch. The raw floor, measured in the same run on the agent's own
 * containerd, is the same work done directly over CRI: RunPodSandbox (with CNI), CreateContainer,
 * StartContainer; raw and pod starts alternate, so both meet the same load. Agent memory is the agent process's VmRSS idle and with every pod running.
 *
 *   node --import tsx bench/pod-startup.ts [PODS=100]
 *
 * Needs root, like every real-node test; it cleans up with `skiff killall`'s teardown.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RestClient } from '../src/client/rest-client.ts';
import { findResource } from '../src/api/registry.ts';
import type { KubeObject } from '../src/api/object.ts';
import { CriClient } from '../src/kubelet/cri/client.ts';
import type { PodSandboxConfig } from '../src/kubelet/cri/types.ts';
import { killAll } from '../src/kubelet/runtime/killall.ts';
import { unmountUnder } from '../src/kubelet/runtime/host-cleanup.ts';
import { TestCluster, freePort } from '../test/e2e/harness.ts';
import { median, percentile, round2 } from './stats.ts';

const REPO = resolve(import.meta.dirname, '..');
const PODS = findResource('', 'v1', 'pods')!;
const NODES = findResource('', 'v1', 'nodes')!;
const BRIDGE = 'skiffbench0';
const NODE = 'skiff-bench-node';
const IMAGE = 'docker.io/library/busybox:1.36';

/** What the pod startup benchmark measured (ms and KiB). */
export interface PodStartupResult {
  pods: number;
  podStartupMs: { p50: number; p99: number; max: number };
  rawFloorMs: { p50: number; p99: number; max: number };
  ratioP99: number;
  agentRssIdleKiB: number;
  agentRssWithPodsKiB: number;
  /** The agent's CPU use over 10 s with every pod running and nothing changing (percent of one core). */
  agentCpuWithPodsPercent: number;
}

function summary(samples: number[]): { p50: number; p99: number; max: number } {
  return { p50: round2(median(samples)), p99: round2(percentile(samples, 99)), max: round2(Math.max(...samples)) };
}

/** utime + stime of a process, in clock ticks (USER_HZ, 100 on Linux). */
function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

function rssKiB(pid: number): number {
  return Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function podManifest(name: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { bench: 'pod-startup' } },
    spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: IMAGE, imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }] },
  } as KubeObject;
}

function isRunning(pod: KubeObject): boolean {
  const status = pod.status as { phase?: string; containerStatuses?: { state?: { running?: unknown } }[] } | undefined;
  return status?.phase === 'Running' && !!status.containerStatuses?.[0]?.state?.running;
}

/**
 * Pod startup through the whole system, one pod at a time, timed from the create request to the
 * watch event showing it Running. `before(i)` runs before pod i is created (the raw floor's turn).
 */
async function measurePods(client: RestClient, count: number, before?: (i: number) => Promise<void>): Promise<number[]> {
  const watch = await client.watch(PODS, { namespace: 'default', labelSelector: 'bench=pod-startup' });
  const created = new Map<string, number>();
  const latencies: number[] = [];
  let resolveOne: (() => void) | undefined;
  const reader = (async () => {
    for await (const event of watch) {
      const pod = event.object as KubeObject;
      const started = created.get(pod.metadata.name!);
      if (started !== undefined && isRunning(pod)) {
        latencies.push(Date.now() - started);
        created.delete(pod.metadata.name!);
        resolveOne?.();
      }
    }
  })();
  for (let i = 0; i < count; i++) {
    await before?.(i);
    const name = `startup-${i}`;
    const done = new Promise<void>((r) => { resolveOne = r; });
    created.set(name, Date.now());
    await client.create(PODS, podManifest(name));
    await Promise.race([done, new Promise((_, rej) => setTimeout(() => rej(new Error(`${name} not Running in 60 s`)), 60_000))]);
  }
  watch.close();
  await reader.catch(() => undefined);
  return latencies;
}

/**
 * The raw floor: the same sandbox + container started directly over CRI on the agent's
 * containerd, one at a time (`once(i)` resolves its latency; the sandbox is removed after).
 */
function rawFloor(socket: string, logDir: string): { once(i: number): Promise<number>; close(): void } {
  const cri = new CriClient(socket, { timeoutMs: 60_000 });
  return {
    async once(i: number): Promise<number> {
      const uid = `skiff-bench-raw-${i}`;
      const config: PodSandboxConfig = {
        metadata: { name: `raw-${i}`, namespace: 'bench-raw', uid, attempt: 0 },
        hostname: `raw-${i}`,
        logDirectory: join(logDir, uid),
        labels: { 'io.kubernetes.pod.uid': uid },
        linux: {},
      };
      const started = performance.now();
      const sandboxId = await cri.runPodSandbox(config);
      const containerId = await cri.createContainer(sandboxId, { metadata: { name: 'main', attempt: 0 }, image: { image: IMAGE }, command: ['sleep', '3600'], logPath: 'main.log' }, config);
      await cri.startContainer(containerId);
      const took = performance.now() - started;
      await cri.stopPodSandbox(sandboxId);
      await cri.removePodSandbox(sandboxId);
      return took;
    },
    close: () => cri.close(),
  };
}

/** Runs the benchmark: server + real agent, raw floor, then pods. */
export async function benchPodStartup(count: number): Promise<PodStartupResult> {
  if (process.getuid?.() !== 0) throw new Error('the pod startup benchmark needs root (a real node)');
  const cluster = await TestCluster.start('sqlite', ['--cluster-cidr', '10.78.0.0/16']);
  const agentDir = join(cluster.dataDir, 'node');
  let agent: ChildProcess | undefined;
  try {
    const token = readFileSync(join(cluster.dataDir, 'server', 'node-token'), 'utf8').trim();
    const kubeletPort = await freePort();
    agent = spawn(process.execPath, ['bin/skiff.js', 'agent', '--server', `https://127.0.0.1:${cluster.port}`, '--token', token,
      '--server-ca', join(cluster.dataDir, 'server', 'tls', 'ca.crt'), '--data-dir', agentDir, '--node-name', NODE,
      '--kubelet-port', String(kubeletPort), '--cni-bridge', BRIDGE], { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] });
    let agentLog = '';
    agent.stderr!.on('data', (d) => { agentLog = (agentLog + d).slice(-4000); });
    const client = RestClient.fromKubeconfig(cluster.kubeconfig);
    try {
      await until('the node to be Ready', async () => {
        const node = await client.get(NODES, undefined, NODE);
        return ((node.status as { conditions?: { type: string; status: string }[] }).conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
      }).catch((err) => { throw new Error(`${(err as Error).message}\n${agentLog}`); });
      // Warm up: the first pod pays for unpacking the image snapshot.
      await measurePods(client, 1);
      await client.delete(PODS, 'default', 'startup-0', { gracePeriodSeconds: 0 });
      await until('the warm-up pod to go', async () => client.get(PODS, 'default', 'startup-0').then(() => undefined, () => true));
      // Idle as the server's idle bench means it: 10 s with nothing to do, so the figure does not
      // depend on where the garbage collector happens to be right after the warm-up pod.
      await new Promise((resolve) => setTimeout(resolve, 10_000));
      const agentRssIdleKiB = rssKiB(agent.pid!);
      const socket = join(agentDir, 'agent', 'containerd', 'containerd.sock');
      // Raw and pod starts alternate, so both see the same machine load and the same pods running
      // on the node (other work on a shared machine moves the floor by 2x within minutes).
      const floor = rawFloor(socket, join(agentDir, 'agent', 'bench-raw-logs'));
      const raw: number[] = [];
      let pods: number[];
      try {
        pods = await measurePods(client, count, async (i) => { raw.push(await floor.once(i)); });
      } finally {
        floor.close();
      }
      await new Promise((r) => setTimeout(r, 2000));
      const agentRssWithPodsKiB = rssKiB(agent.pid!);
      const ticks = cpuTicks(agent.pid!);
      await new Promise((r) => setTimeout(r, 10_000));
      const agentCpuWithPodsPercent = round2((cpuTicks(agent.pid!) - ticks) / 10);
      const podStartupMs = summary(pods);
      const rawFloorMs = summary(raw);
      return { pods: count, podStartupMs, rawFloorMs, ratioP99: round2(podStartupMs.p99 / rawFloorMs.p99), agentRssIdleKiB, agentRssWithPodsKiB, agentCpuWithPodsPercent };
    } finally {
      client.close();
    }
  } finally {
    if (agent?.pid && agent.exitCode === null) {
      const exited = new Promise((r) => agent!.once('exit', r));
      agent.kill('SIGTERM');
      await exited;
    }
    await killAll(join(agentDir, 'agent'), BRIDGE);
    unmountUnder(cluster.dataDir);
    await cluster.stop();
  }
}

/** KiB (as /proc reports VmRSS) in MiB and in MB, the unit of issue 4's memory target. */
function mibAndMB(kib: number): string {
  return `${(kib / 1024).toFixed(1)} MiB (${((kib * 1024) / 1e6).toFixed(1)} MB)`;
}

/** The markdown rows of a pod startup result, with the targets (60 MB plus 1 MB per pod; MB, not MiB). */
export function podStartupRows(result: PodStartupResult): string[] {
  const idleTargetKiB = 60e6 / 1024;
  const podsTargetKiB = ((60 + result.pods) * 1e6) / 1024;
  return [
    '| measurement | result | raw floor (CRI direct) | target | verdict |',
    '|---|---|---|---|---|',
    `| pod startup p50, ${result.pods} pods | ${result.podStartupMs.p50} ms | ${result.rawFloorMs.p50} ms | | |`,
    `| pod startup p99, ${result.pods} pods | ${result.podStartupMs.p99} ms | ${result.rawFloorMs.p99} ms | < 1000 ms and < 2x floor (${result.ratioP99}x) | ${result.podStartupMs.p99 < 1000 && result.ratioP99 < 2 ? 'PASS' : 'FAIL'} |`,
    `| agent RSS idle | ${mibAndMB(result.agentRssIdleKiB)} | | < 60 MB | ${result.agentRssIdleKiB < idleTargetKiB ? 'PASS' : 'FAIL'} |`,
    `| agent RSS with ${result.pods} pods | ${mibAndMB(result.agentRssWithPodsKiB)} | | < ${60 + result.pods} MB | ${result.agentRssWithPodsKiB < podsTargetKiB ? 'PASS' : 'FAIL'} |`,
    `| agent CPU with ${result.pods} pods, steady | ${result.agentCpuWithPodsPercent}% of a core | | | |`,
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const count = Number(process.argv[2] ?? 100);
  const result = await benchPodStartup(count);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n\n${podStartupRows(result).join('\n')}\n`);
}
