import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CriClient } from '../cri/client.ts';
import type { ContainerConfig, PodSandboxConfig } from '../cri/types.ts';
import { containerdPaths } from './containerd.ts';
import { httpGet, SKIP_CONTAINERD_TESTS, startTestContainerd, type TestContainerd } from './test-containerd.ts';

// Real containerd + runc + CNI end to end. Needs root and the Debian packages from
// scripts/setup.sh; only SKIFF_SKIP_CONTAINERD_TESTS=1 opts out (CI does not set it).
const skip = SKIP_CONTAINERD_TESTS;
const POD_CIDR = '10.244.77.0/24';
const CIDR_PREFIX = '10.244.77.';

async function retry<T>(fn: () => Promise<T>, attempts = 20): Promise<T> {
  for (let i = 1; ; i++) {
    try { return await fn(); } catch (err) {
      if (i >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

describe('containerd over CRI', { skip }, () => {
  let agentDir = '';
  let client: CriClient | undefined;
  let host: TestContainerd | undefined;

  before(async () => {
    host = await startTestContainerd('containerd-test', POD_CIDR);
    ({ agentDir, client } = host);
  });

  after(async () => {
    await host?.cleanup();
  });

  test('writes a version 2 config with skiff paths, pause image and cgroupfs runc', () => {
    const config = readFileSync(containerdPaths(agentDir).config, 'utf8');
    assert.match(config, /^version = 2$/m);
    assert.match(config, /sandbox_image = "skiff\.local\/pause:3\.10"/);
    assert.match(config, /SystemdCgroup = false/);
    assert.ok(config.includes(`address = "${containerdPaths(agentDir).socket}"`));
  });

  test('answers Version and Status with RuntimeReady and NetworkReady', async () => {
    const version = await client!.version();
    assert.equal(version.runtimeName, 'containerd');
    assert.equal(version.runtimeApiVersion, 'v1');
    const conditions = await client!.status();
    assert.equal(conditions.find((c) => c.type === 'RuntimeReady')?.status, true);
    const network = await retry(async () => {
      const c = (await client!.status()).find((x) => x.type === 'NetworkReady');
      if (!c?.status) throw new Error(`network not ready: ${JSON.stringify(c)}`);
      return c;
    });
    assert.equal(network.status, true);
  });

  test('lists the imported offline images with all their tags', async () => {
    const tags = (await client!.listImages()).flatMap((i) => i.repoTags);
    for (const tag of ['docker.io/library/busybox:1.36', 'skiff.local/pause:3.10', 'docker.io/library/nginx:1.27']) {
      assert.ok(tags.includes(tag), `${tag} missing from ${tags.join(', ')}`);
    }
    assert.ok(await client!.imageStatus('nginx:latest'), 'nginx:latest resolves through docker.io/library normalisation');
    assert.equal(await client!.imageStatus('docker.io/library/absent:1'), null);
  });

  test('runs an nginx pod: sandbox IP from the pod CIDR, HTTP, exec, stop and remove', async () => {
    const sandboxConfig: PodSandboxConfig = {
      metadata: { name: 'web', namespace: 'default', uid: 'skiff-test-uid-1', attempt: 0 },
      hostname: 'web',
      logDirectory: join(agentDir, 'pods', 'default_web_skiff-test-uid-1'),
      labels: { 'io.kubernetes.pod.name': 'web', 'io.kubernetes.pod.namespace': 'default' },
      linux: {},
    };
    const sandboxId = await client!.runPodSandbox(sandboxConfig);
    const sandbox = await client!.podSandboxStatus(sandboxId);
    assert.equal(sandbox.state, 'SANDBOX_READY');
    assert.equal(sandbox.metadata.uid, 'skiff-test-uid-1');
    const podIP = sandbox.network?.ip ?? '';
    assert.ok(podIP.startsWith(CIDR_PREFIX), `pod IP ${podIP} not in ${POD_CIDR}`);
    assert.ok((await client!.listPodSandbox({ 'io.kubernetes.pod.name': 'web' })).some((s) => s.id === sandboxId));

    const containerConfig: ContainerConfig = {
      metadata: { name: 'nginx', attempt: 0 },
      image: { image: 'docker.io/library/nginx:1.27' },
      envs: [{ key: 'SKIFF_TEST', value: 'yes' }],
      logPath: 'nginx/0.log',
    };
    const containerId = await client!.createContainer(sandboxId, containerConfig, sandboxConfig);
    await client!.startContainer(containerId);
    assert.equal((await client!.containerStatus(containerId)).state, 'CONTAINER_RUNNING');

    const body = await retry(() => httpGet(`http://${podIP}:80/`));
    assert.match(body, /Welcome to nginx!/);

    const hostname = await client!.execSync(containerId, ['cat', '/etc/hostname'], 10);
    assert.equal(hostname.exitCode, 0);
    assert.equal(hostname.stdout.toString().trim(), 'web');
    const env = await client!.execSync(containerId, ['sh', '-c', 'echo $SKIFF_TEST; exit 3'], 10);
    assert.equal(env.stdout.toString().trim(), 'yes');
    assert.equal(env.exitCode, 3);

    // Streaming calls only hand back a URL on containerd's loopback streaming server.
    assert.match(await client!.exec({ containerId, cmd: ['sh'], stdout: true }), /^http:\/\/127\.0\.0\.1:\d+\/exec\//);
    assert.match(await client!.portForward(sandboxId, [80]), /^http:\/\/127\.0\.0\.1:\d+\/portforward\//);
    const stats = await client!.listContainerStats({ podSandboxId: sandboxId });
    assert.deepEqual(stats.map((s) => s.attributes?.id), [containerId]);
    assert.ok((stats[0]?.memory?.workingSetBytes?.value ?? 0) > 0, 'memory working set is reported');

    await client!.stopContainer(containerId, 10);
    const stopped = await client!.containerStatus(containerId);
    assert.equal(stopped.state, 'CONTAINER_EXITED');
    assert.ok(stopped.finishedAt > 0);
    await client!.removeContainer(containerId);
    assert.deepEqual((await client!.listContainers({ podSandboxId: sandboxId })).map((c) => c.id), []);

    await client!.stopPodSandbox(sandboxId);
    assert.equal((await client!.podSandboxStatus(sandboxId)).state, 'SANDBOX_NOTREADY');
    await client!.removePodSandbox(sandboxId);
    await assert.rejects(client!.podSandboxStatus(sandboxId), (err: { code?: number }) => err.code === 5);
  });
});
