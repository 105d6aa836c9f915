import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CriClient } from '../cri/client.ts';
import type { PodSandboxConfig } from '../cri/types.ts';
import type { RunningContainerd } from '../runtime/containerd.ts';
import { SKIP_CONTAINERD_TESTS, startTestContainerd, type TestContainerd } from '../runtime/test-containerd.ts';
import { criStatsRuntime } from './cri-source.ts';
import { StatsProvider } from './provider.ts';
import { resourceMetricsText } from './resource-metrics.ts';

// The stats provider against a real containerd + runc + CNI. Needs root and the Debian packages
// from scripts/setup.sh; only SKIFF_SKIP_CONTAINERD_TESTS=1 opts out. Run under
// `flock /tmp/skiff-containerd.lock` on shared machines; pods use their own bridge, skiff-stats0.
const skip = SKIP_CONTAINERD_TESTS;
const POD_CIDR = '10.244.99.0/24';
const UID = 'skiff-stats-test-uid';

describe('stats provider over real containerd', { skip }, () => {
  let agentDir = '';
  let containerd: RunningContainerd | undefined;
  let client: CriClient | undefined;
  let host: TestContainerd | undefined;
  let sandboxId = '';

  before(async () => {
    host = await startTestContainerd('stats-test', POD_CIDR, 'skiff-stats0');
    ({ agentDir, containerd, client } = host);
  });

  after(async () => {
    if (client && sandboxId) {
      await client.stopPodSandbox(sandboxId).catch(() => {});
      await client.removePodSandbox(sandboxId).catch(() => {});
    }
    await host?.cleanup();
  });

  test('a busybox container burning CPU shows non-zero CPU rate, memory, rootfs, logs and network', async () => {
    const sandboxConfig: PodSandboxConfig = {
      metadata: { name: 'burner', namespace: 'default', uid: UID, attempt: 0 },
      hostname: 'burner',
      logDirectory: join(agentDir, 'pods', `default_burner_${UID}`),
      labels: { 'io.kubernetes.pod.name': 'burner', 'io.kubernetes.pod.namespace': 'default', 'io.kubernetes.pod.uid': UID },
      linux: {},
    };
    sandboxId = await client!.runPodSandbox(sandboxConfig);
    const containerId = await client!.createContainer(sandboxId, {
      metadata: { name: 'app', attempt: 0 },
      image: { image: 'docker.io/library/busybox:1.36' },
      // Burns one core for 4 s (bounded), then idles until the test removes it.
      command: ['sh', '-c', 'echo burning; timeout 4 sh -c "while :; do :; done"; echo done; sleep 600'],
      labels: { 'io.kubernetes.container.name': 'app', 'io.kubernetes.pod.name': 'burner', 'io.kubernetes.pod.namespace': 'default', 'io.kubernetes.pod.uid': UID },
      logPath: 'app/0.log',
    }, sandboxConfig);
    await client!.startContainer(containerId);

    const provider = new StatsProvider({ nodeName: 'skiff-stats-node', runtime: criStatsRuntime(client!), rootDir: agentDir, runtimePid: containerd!.pid });
    await provider.summary();
    await sleep(1500);
    const summary = await provider.summary();

    const pod = summary.pods.find((p) => p.podRef.uid === UID);
    assert.ok(pod, `pod missing from ${JSON.stringify(summary.pods.map((p) => p.podRef))}`);
    assert.deepEqual(pod.podRef, { name: 'burner', namespace: 'default', uid: UID });
    const app = pod.containers.find((c) => c.name === 'app');
    assert.ok(app, 'container app reported');
    assert.ok((app.cpu?.usageCoreNanoSeconds ?? 0) > 0, `cumulative CPU: ${JSON.stringify(app.cpu)}`);
    // One core busy: the rate between the two samples is well above a tenth of a core.
    assert.ok((app.cpu?.usageNanoCores ?? 0) > 100_000_000, `CPU rate: ${JSON.stringify(app.cpu)}`);
    assert.ok((app.memory?.workingSetBytes ?? 0) > 0, `memory: ${JSON.stringify(app.memory)}`);
    assert.ok((app.rootfs?.capacityBytes ?? 0) > 0, `rootfs: ${JSON.stringify(app.rootfs)}`);
    assert.ok((app.logs?.usedBytes ?? 0) > 0, `logs: ${JSON.stringify(app.logs)}`);
    assert.ok((pod.cpu?.usageNanoCores ?? 0) > 100_000_000 && (pod.memory?.workingSetBytes ?? 0) > 0);
    assert.equal(pod.network?.name, 'eth0', `pod network from the sandbox's namespace: ${JSON.stringify(pod.network)}`);
    assert.ok((pod['ephemeral-storage']?.usedBytes ?? 0) > 0);

    assert.ok((summary.node.cpu?.usageNanoCores ?? 0) > 100_000_000, `node CPU: ${JSON.stringify(summary.node.cpu)}`);
    assert.ok((summary.node.memory?.workingSetBytes ?? 0) > 0);
    // containerd refreshes snapshot usage every 10 s (stats_collect_period), so usedBytes may still be 0.
    const imageFs = summary.node.runtime?.imageFs;
    assert.ok((imageFs?.capacityBytes ?? 0) > 0 && imageFs?.usedBytes !== undefined, `imageFs: ${JSON.stringify(summary.node.runtime)}`);
    assert.deepEqual(summary.node.systemContainers?.map((c) => c.name), ['kubelet', 'runtime', 'pods']);

    const text = resourceMetricsText(summary);
    assert.match(text, /^container_cpu_usage_seconds_total\{container="app",namespace="default",pod="burner"\} [\d.e+]+ \d{13}$/m);
    assert.match(text, /^pod_memory_working_set_bytes\{namespace="default",pod="burner"\} [\d.e+]+ \d{13}$/m);

    await client!.stopContainer(containerId, 0);
    const after = await provider.summary();
    assert.deepEqual(after.pods.find((p) => p.podRef.uid === UID)?.containers, [], 'exited containers no longer count');
  });
});
