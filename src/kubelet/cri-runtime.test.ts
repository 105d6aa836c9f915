import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerRuntime as Cri } from './cri/interface.ts';
import type { PodSandbox, PodSandboxConfig } from './cri/types.ts';
import { CriPodRuntime, LABEL_POD_UID } from './cri-runtime.ts';
import type { KubeletPod } from './runtime-interface.ts';

/** A CRI with sandboxes only, recording which list calls the runtime made. */
function fakeCri(existing: PodSandbox[]): { cri: Cri; lists: string[]; failNextRun: () => void } {
  const sandboxes = [...existing];
  const lists: string[] = [];
  let fail = false;
  const cri = {
    status: async () => [{ type: 'NetworkReady', status: true, reason: '', message: '' }],
    listPodSandbox: async (filter?: Record<string, string>) => {
      const uid = filter?.[LABEL_POD_UID];
      lists.push(uid ?? 'all');
      return sandboxes.filter((s) => uid === undefined || s.labels[LABEL_POD_UID] === uid);
    },
    runPodSandbox: async (config: PodSandboxConfig) => {
      if (fail) {
        fail = false;
        sandboxes.push({ id: `dead-${sandboxes.length}`, metadata: config.metadata, state: 'SANDBOX_NOTREADY', createdAt: 1, labels: config.labels ?? {}, annotations: {}, runtimeHandler: '' });
        throw new Error('failed to set up the sandbox network');
      }
      const id = `sb-${sandboxes.length}`;
      sandboxes.push({ id, metadata: config.metadata, state: 'SANDBOX_READY', createdAt: 2, labels: config.labels ?? {}, annotations: {}, runtimeHandler: '' });
      return id;
    },
    podSandboxStatus: async () => ({ network: { ip: '10.1.0.5' } }),
    removePodSandbox: async (id: string) => {
      sandboxes.splice(sandboxes.findIndex((s) => s.id === id), 1);
    },
  } as unknown as Cri;
  return { cri, lists, failNextRun: () => { fail = true; } };
}

const pod = (uid: string): KubeletPod => ({ metadata: { name: `p-${uid}`, namespace: 'default', uid }, spec: { containers: [{ name: 'c', image: 'busybox' }] } }) as KubeletPod;

test('runSandbox: a new pod starts without a lookup; a pod left by an earlier agent or a failed try is looked up', async () => {
  const logRoot = mkdtempSync(join(tmpdir(), 'skiff-cri-runtime-'));
  try {
    const left: PodSandbox = { id: 'sb-left', metadata: { name: 'p-old', namespace: 'default', uid: 'old', attempt: 0 }, state: 'SANDBOX_READY', createdAt: 1, labels: { [LABEL_POD_UID]: 'old' }, annotations: {}, runtimeHandler: '' };
    const { cri, lists, failNextRun } = fakeCri([left]);
    const runtime = new CriPodRuntime({ cri, logRoot, dns: { servers: [], domain: 'cluster.local', host: { servers: [], searches: [], options: [] } }, nodeIP: '10.0.0.1' });

    assert.deepEqual(await runtime.runSandbox(pod('old')), { sandboxId: 'sb-left', ip: '10.1.0.5' }, 'the running sandbox is adopted');
    assert.deepEqual(lists, ['all', 'old']);

    lists.length = 0;
    const fresh = await runtime.runSandbox(pod('new'));
    assert.deepEqual(lists, [], 'no lookup for a pod this node never had');
    assert.equal(fresh.sandboxId, 'sb-1');

    failNextRun();
    await assert.rejects(runtime.runSandbox(pod('flaky')), /sandbox network/);
    lists.length = 0;
    const retried = await runtime.runSandbox(pod('flaky'));
    assert.deepEqual(lists, ['flaky'], 'the retry looks for what the failed try left');
    assert.notEqual(retried.sandboxId, 'dead-2', 'and starts a new sandbox');
  } finally {
    rmSync(logRoot, { recursive: true, force: true });
  }
});
