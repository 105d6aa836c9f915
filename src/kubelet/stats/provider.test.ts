import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Container, ContainerStats as CriContainerStats, ContainerStatus, PodSandbox } from '../cri/types.ts';
import { StatsProvider, type StatsRuntime } from './provider.ts';

const dir = mkdtempSync(join(tmpdir(), 'skiff-stats-provider-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const paths = { procRoot: join(dir, 'proc'), cgroupRoot: join(dir, 'cgroup') };
mkdirSync(join(paths.procRoot, 'net'), { recursive: true });
mkdirSync(join(paths.cgroupRoot, 'memory'), { recursive: true });
writeFileSync(join(paths.procRoot, 'stat'), 'cpu  1000 0 1000 50000 0 0 0 0 0 0\nbtime 1700000000\n');
writeFileSync(join(paths.procRoot, 'meminfo'), 'MemTotal: 4194304 kB\nMemFree: 1048576 kB\n');
writeFileSync(join(paths.cgroupRoot, 'memory', 'memory.usage_in_bytes'), String(2 * 1024 ** 3));
writeFileSync(join(paths.cgroupRoot, 'memory', 'memory.stat'), `total_inactive_file ${512 * 1024 ** 2}\ntotal_rss ${1024 ** 3}\n`);
// This process as the kubelet: utime 300 + stime 200 ticks, started 500 ticks after boot.
mkdirSync(join(paths.procRoot, String(process.pid)), { recursive: true });
writeFileSync(join(paths.procRoot, String(process.pid), 'stat'), `${process.pid} (node tsx) S 1 1 1 0 -1 0 0 0 0 0 300 200 0 0 20 0 1 0 500 0 0\n`);
writeFileSync(join(paths.procRoot, String(process.pid), 'status'), 'Name: node\nVmRSS: 2048 kB\n');
const logDir = join(dir, 'pods', 'default_web_uid-web', 'app');
mkdirSync(logDir, { recursive: true });
writeFileSync(join(logDir, '0.log'), Buffer.alloc(8192, 1));

const S = 1e9;
const labels = (name: string, uid: string) => ({ 'io.kubernetes.pod.name': name, 'io.kubernetes.pod.namespace': 'default', 'io.kubernetes.pod.uid': uid });
const sandbox = (id: string, name: string, uid: string, state: PodSandbox['state'], createdAt: number): PodSandbox =>
  ({ id, metadata: { name, uid, namespace: 'default', attempt: 0 }, state, createdAt, labels: labels(name, uid), annotations: {}, runtimeHandler: '' });
const container = (id: string, sandboxId: string, name: string, state: Container['state'], createdAt: number): Container =>
  ({ id, podSandboxId: sandboxId, metadata: { name, attempt: 0 }, image: null, imageRef: '', state, createdAt, labels: { 'io.kubernetes.container.name': name }, annotations: {} });
const stats = (id: string, t: number, cpuNs: number, usage: number, inactive: number): CriContainerStats => ({
  attributes: { id, metadata: { name: id, attempt: 0 }, labels: {}, annotations: {} },
  cpu: { timestamp: t, usageCoreNanoSeconds: { value: cpuNs }, usageNanoCores: null },
  memory: { timestamp: t, workingSetBytes: { value: usage - inactive }, usageBytes: { value: usage }, rssBytes: { value: 1000 } },
  writableLayer: { timestamp: t, usedBytes: { value: 4096 } },
});

function fakeRuntime(now: { t: number; cpu: Record<string, number> }): StatsRuntime {
  return {
    listPodSandbox: async () => [
      sandbox('sb-old', 'web', 'uid-web', 'SANDBOX_NOTREADY', 1 * S),
      sandbox('sb-web', 'web', 'uid-web', 'SANDBOX_READY', 1_700_000_100 * S),
      sandbox('sb-db', 'db', 'uid-db', 'SANDBOX_READY', 1_700_000_200 * S),
    ],
    listContainers: async () => [
      container('c-app', 'sb-web', 'app', 'CONTAINER_RUNNING', 1_700_000_101 * S),
      container('c-side', 'sb-web', 'sidecar', 'CONTAINER_RUNNING', 1_700_000_102 * S),
      container('c-dead', 'sb-web', 'app', 'CONTAINER_EXITED', 1_700_000_050 * S),
      container('c-stale', 'sb-old', 'app', 'CONTAINER_RUNNING', 2 * S),
      container('c-db', 'sb-db', 'postgres', 'CONTAINER_RUNNING', 1_700_000_201 * S),
    ],
    listContainerStats: async () => Object.entries(now.cpu).map(([id, cpu]) => stats(id, now.t, cpu, 3_000_000, 1_000_000)),
    containerStatus: async (id) => ({ logPath: id === 'c-app' ? join(logDir, '0.log') : '' }) as ContainerStatus,
  };
}

test('summary: newest ready sandbox per pod, running containers only, pod = sum of containers, rates from two samples', async () => {
  const clock = { t: 1_700_001_000 * S, cpu: { 'c-app': 10 * S, 'c-side': 1 * S, 'c-db': 5 * S, 'c-dead': 99 * S } };
  const provider = new StatsProvider({ nodeName: 'node-1', runtime: fakeRuntime(clock), rootDir: dir, paths, now: () => clock.t / 1e6 });
  const first = await provider.summary();
  assert.equal(first.pods[0].containers[0].cpu?.usageNanoCores, undefined, 'no rate from a single sample');

  clock.t += 10 * S;
  clock.cpu = { 'c-app': 15 * S, 'c-side': 1.5 * S, 'c-db': 5 * S, 'c-dead': 99 * S };
  writeFileSync(join(paths.procRoot, 'stat'), 'cpu  1500 0 1500 50000 0 0 0 0 0 0\nbtime 1700000000\n');
  const summary = await provider.summary();

  assert.equal(summary.node.nodeName, 'node-1');
  assert.equal(summary.node.startTime, '2023-11-14T22:13:20Z');
  // Node: 1000 more ticks (10 s of CPU) in 10 s = 1 core.
  assert.deepEqual(summary.node.cpu, { time: '2023-11-14T22:30:10Z', usageNanoCores: 1e9, usageCoreNanoSeconds: 3000 * 1e7 });
  const gi = 1024 ** 3;
  assert.deepEqual(summary.node.memory, { time: '2023-11-14T22:30:10Z', availableBytes: 4 * gi - 1.5 * gi, usageBytes: 2 * gi, workingSetBytes: 1.5 * gi, rssBytes: gi });
  assert.ok(summary.node.fs?.capacityBytes, 'node fs from statfs of the root dir');

  assert.deepEqual(summary.pods.map((p) => p.podRef), [{ name: 'db', namespace: 'default', uid: 'uid-db' }, { name: 'web', namespace: 'default', uid: 'uid-web' }]);
  const web = summary.pods[1];
  assert.equal(web.startTime, '2023-11-14T22:15:00Z');
  assert.deepEqual(web.containers.map((c) => c.name), ['app', 'sidecar']);
  const app = web.containers[0];
  assert.equal(app.startTime, '2023-11-14T22:15:01Z');
  assert.deepEqual(app.cpu, { time: '2023-11-14T22:30:10Z', usageNanoCores: 500_000_000, usageCoreNanoSeconds: 15 * S });
  assert.equal(app.memory?.workingSetBytes, 2_000_000, 'working set = usage - inactive_file (from the runtime)');
  assert.equal(app.rootfs?.usedBytes, 4096);
  assert.ok((app.logs?.usedBytes ?? 0) >= 8192, 'log directory usage');
  assert.deepEqual(web.cpu, { time: '2023-11-14T22:30:10Z', usageNanoCores: 550_000_000, usageCoreNanoSeconds: 16.5 * S });
  assert.equal(web.memory?.workingSetBytes, 4_000_000);
  assert.equal(web.memory?.usageBytes, 6_000_000);
  assert.equal(web['ephemeral-storage']?.usedBytes, 4096 * 2 + (app.logs?.usedBytes ?? 0));
  const pods = summary.node.systemContainers?.find((c) => c.name === 'pods');
  assert.equal(pods?.cpu?.usageNanoCores, 550_000_000);
  assert.equal(pods?.memory?.workingSetBytes, 6_000_000);
  const kubelet = summary.node.systemContainers?.find((c) => c.name === 'kubelet');
  assert.equal(kubelet?.startTime, '2023-11-14T22:13:25Z', 'boot time + 500 ticks');
  assert.equal(kubelet?.cpu?.usageCoreNanoSeconds, 5 * S);
  assert.equal(kubelet?.memory?.workingSetBytes, 2048 * 1024);
});

test('only_cpu_and_memory leaves out filesystems and networks; a failing runtime rejects', async () => {
  const clock = { t: 1_700_001_000 * S, cpu: { 'c-app': S } };
  const provider = new StatsProvider({ nodeName: 'n', runtime: fakeRuntime(clock), rootDir: dir, paths, now: () => clock.t / 1e6 });
  const summary = await provider.summary({ onlyCpuAndMemory: true });
  assert.equal(summary.node.fs, undefined);
  assert.equal(summary.pods[1].containers[0].rootfs, undefined);
  assert.equal(summary.pods[1].containers[0].memory?.workingSetBytes, 2_000_000);
  const broken = new StatsProvider({ nodeName: 'n', runtime: { ...fakeRuntime(clock), listContainers: () => Promise.reject(new Error('unavailable')) }, rootDir: dir, paths });
  await assert.rejects(broken.summary(), /unavailable/);
});

test('the background CPU sample reads the containers cgroups, not the runtime, when containerd keeps them under cpuacct/k8s.io', async () => {
  const root = mkdtempSync(join(tmpdir(), 'skiff-stats-cg-'));
  try {
    const cgPaths = { procRoot: paths.procRoot, cgroupRoot: root };
    mkdirSync(join(root, 'cpuacct', 'k8s.io', 'c-app'), { recursive: true });
    writeFileSync(join(root, 'cpuacct', 'k8s.io', 'c-app', 'cpuacct.usage'), String(10 * S));
    const clock = { t: 1_700_001_000 * S, cpu: { 'c-app': 12 * S } };
    let runtimeStats = 0;
    const runtime = fakeRuntime(clock);
    const counting: StatsRuntime = { ...runtime, listContainerStats: () => { runtimeStats++; return runtime.listContainerStats(); } };
    const provider = new StatsProvider({ nodeName: 'n', runtime: counting, rootDir: dir, paths: cgPaths, now: () => clock.t / 1e6 });
    await provider.sampleCpu();
    assert.equal(runtimeStats, 0, 'the sample did not ask containerd');
    clock.t += 4 * S;
    const summary = await provider.summary({ onlyCpuAndMemory: true });
    assert.equal(runtimeStats, 1);
    // 2 s of CPU in the 4 s between the cgroup sample and the scrape: half a core.
    assert.equal(summary.pods[1].containers[0].cpu?.usageNanoCores, 500_000_000);

    // Without that cgroup directory the sample asks the runtime, as before.
    const other = new StatsProvider({ nodeName: 'n', runtime: counting, rootDir: dir, paths, now: () => clock.t / 1e6 });
    await other.sampleCpu();
    assert.equal(runtimeStats, 2);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
