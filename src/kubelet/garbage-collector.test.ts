import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerRuntime as Cri } from './cri/interface.ts';
import type { Container, Image, PodSandbox } from './cri/types.ts';
import { collectGarbage } from './garbage-collector.ts';

function container(id: string, sandbox: string, name: string, attempt: number, state: Container['state'], imageRef = 'sha256:app'): Container {
  return { id, podSandboxId: sandbox, metadata: { name, attempt }, image: null, imageRef, state, createdAt: attempt, labels: { 'io.kubernetes.container.name': name }, annotations: {} };
}

function fakeCri(containers: Container[], sandboxes: PodSandbox[], images: Image[]): { cri: Cri; removed: string[] } {
  const removed: string[] = [];
  const cri = {
    listContainers: async () => containers.filter((c) => !removed.includes(c.id)),
    listPodSandbox: async () => sandboxes.filter((s) => !removed.includes(s.id)),
    listImages: async () => images.filter((i) => !removed.includes(i.id)),
    removeContainer: async (id: string) => { removed.push(id); },
    removePodSandbox: async (id: string) => { removed.push(id); },
    removeImage: async (id: string) => { removed.push(id); },
  } as unknown as Cri;
  return { cri, removed };
}

const sandbox = (id: string, state: PodSandbox['state']): PodSandbox => ({ id, metadata: { name: id, uid: id, namespace: 'default' }, state, createdAt: 0, labels: {}, annotations: {}, runtimeHandler: '' });
const image = (id: string, size: number, tags: string[]): Image => ({ id, repoTags: tags, repoDigests: [], size, uid: null, username: '', pinned: false });

test('keeps the newest dead instance of each container and removes older ones and empty stopped sandboxes', async () => {
  const { cri, removed } = fakeCri(
    [container('c0', 's1', 'app', 0, 'CONTAINER_EXITED'), container('c1', 's1', 'app', 1, 'CONTAINER_EXITED'), container('c2', 's1', 'app', 2, 'CONTAINER_RUNNING'), container('i0', 's1', 'init', 0, 'CONTAINER_EXITED')],
    [sandbox('s1', 'SANDBOX_READY'), sandbox('s2', 'SANDBOX_NOTREADY')],
    [],
  );
  const report = await collectGarbage(cri, () => ({ capacity: 100, used: 10 }));
  assert.deepEqual(report.containers, ['c0']);
  assert.deepEqual(report.sandboxes, ['s2']);
  assert.deepEqual(removed.sort(), ['c0', 's2']);
});

test('removes unused images, largest first, only above the high threshold and never the sandbox image', async () => {
  const images = [image('sha256:app', 50, ['app:1']), image('sha256:big', 40, ['big:1']), image('sha256:small', 5, ['small:1']), image('sha256:pause', 60, ['skiff.local/pause:3.10'])];
  const running = [container('c', 's', 'app', 0, 'CONTAINER_RUNNING', 'sha256:app')];
  const below = fakeCri(running, [sandbox('s', 'SANDBOX_READY')], images);
  assert.deepEqual((await collectGarbage(below.cri, () => ({ capacity: 1000, used: 800 }))).images, []);
  const above = fakeCri(running, [sandbox('s', 'SANDBOX_READY')], images);
  // 90% used: freeing down to 80% needs 100 bytes; only big (40) and small (5) are collectable.
  assert.deepEqual((await collectGarbage(above.cri, () => ({ capacity: 1000, used: 900 }))).images, ['sha256:big', 'sha256:small']);
  // 86% used: 60 bytes to free; the 100-byte image alone is enough, so the small one stays.
  const bigger = images.map((i) => (i.id === 'sha256:big' ? { ...i, size: 100 } : i));
  const slightly = fakeCri(running, [sandbox('s', 'SANDBOX_READY')], bigger);
  assert.deepEqual((await collectGarbage(slightly.cri, () => ({ capacity: 1000, used: 860 }))).images, ['sha256:big']);
});
