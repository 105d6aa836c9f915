import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, FakeRuntime } from './fake-runtime.ts';
import { PodWorkers, type PodWorkersOptions } from './pod-workers.ts';
import type { ContainerSpec, KubeletPod, ProbeSpec } from './runtime-interface.ts';
import type { ProbeType } from './probes.ts';

type Json = Record<string, any>;

function makePod(containers: ContainerSpec[], extra: Partial<KubeletPod['spec']> = {}): KubeletPod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', uid: 'uid-1' },
    spec: { nodeName: 'node-1', containers, ...extra },
    status: { phase: 'Pending', qosClass: 'BestEffort', conditions: [{ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: '2025-12-31T00:00:00Z' }] },
  };
}

function harness(probeVerdicts: (name: string, type: ProbeType, n: number) => boolean = () => true, extra: Partial<PodWorkersOptions> = {}) {
  const clock = new FakeClock();
  const runtime = new FakeRuntime(clock);
  const statuses: Json[] = [];
  const events: { reason: string; message: string; at: number }[] = [];
  const probeRuns: string[] = [];
  const terminated: string[] = [];
  const counts = new Map<string, number>();
  const workers = new PodWorkers({
    runtime,
    clock,
    hostIP: '192.168.1.10',
    hooks: async (hook, target) => {
      runtime.calls.push(`hook ${target.container.name} ${hook.exec?.command?.join(' ')}`);
      if (hook.exec?.command?.[0] === 'fail') throw new Error('hook failed');
      if (hook.exec?.command?.[0] === 'hang') await new Promise(() => undefined);
    },
    probeRunner: async (probe: ProbeSpec, target) => {
      const type = (['livenessProbe', 'readinessProbe', 'startupProbe'] as const).find((k) => target.container[k] === probe)!.replace('Probe', '') as ProbeType;
      const key = `${target.container.name}/${type}`;
      const n = (counts.get(key) ?? 0) + 1;
      counts.set(key, n);
      probeRuns.push(`${key}@${(clock.now() - start) / 1000}`);
      return probeVerdicts(target.container.name, type, n);
    },
    onStatus: (_pod, status) => statuses.push(status),
    onEvent: (_pod, _type, reason, message) => events.push({ reason, message, at: clock.now() - start }),
    onTerminated: (pod) => terminated.push(pod.metadata.name!),
    ...extra,
  });
  const start = clock.now();
  const last = () => statuses[statuses.length - 1]!;
  const cond = (type: string) => (last().conditions as Json[]).find((c) => c.type === type)!;
  return { clock, runtime, workers, statuses, events, probeRuns, terminated, last, cond, start };
}

describe('PodWorker init containers', () => {
  test('run one by one, in order, each exiting 0 before the next; app containers wait', async () => {
    const h = harness();
    h.runtime.script('init-a', { exitAfterMs: 2000, exitCode: 0 });
    h.runtime.script('init-b', { exitAfterMs: 2000, exitCode: 0 });
    const pod = makePod([{ name: 'app', image: 'nginx:1.27' }], { initContainers: [{ name: 'init-a', image: 'busybox:1' }, { name: 'init-b', image: 'busybox:1' }] });
    await h.workers.update(pod);
    let s = h.last();
    assert.equal(s.phase, 'Pending');
    assert.deepEqual(h.cond('Initialized'), {
      type: 'Initialized', status: 'False', lastProbeTime: null, lastTransitionTime: '2026-01-01T00:00:00Z',
      reason: 'ContainersNotInitialized', message: 'containers with incomplete status: [init-a init-b]',
    });
    assert.equal(h.cond('PodReadyToStartContainers').status, 'True');
    assert.ok(s.initContainerStatuses[0].state.running);
    assert.deepEqual(s.initContainerStatuses[1].state, { waiting: { reason: 'PodInitializing' } });
    assert.deepEqual(s.containerStatuses[0].state, { waiting: { reason: 'PodInitializing' } });
    await h.clock.advance(3000);
    assert.deepEqual(h.runtime.calls.filter((c) => c.startsWith('createContainer')), ['createContainer init-a 0', 'createContainer init-b 0']);
    await h.clock.advance(3000);
    assert.deepEqual(h.runtime.calls.filter((c) => c.startsWith('createContainer')), ['createContainer init-a 0', 'createContainer init-b 0', 'createContainer app 0']);
    s = h.last();
    assert.equal(s.phase, 'Running');
    assert.equal(h.cond('Initialized').status, 'True');
    assert.equal(s.initContainerStatuses[1].state.terminated.reason, 'Completed');
    assert.equal(h.cond('Ready').status, 'True');
    h.workers.stop();
  });

  test('a failing init container fails the pod under restartPolicy Never', async () => {
    const h = harness();
    h.runtime.script('init-a', { exitAfterMs: 500, exitCode: 2 });
    await h.workers.update(makePod([{ name: 'app', image: 'nginx' }], { restartPolicy: 'Never', initContainers: [{ name: 'init-a', image: 'busybox' }] }));
    await h.clock.advance(2000);
    const s = h.last();
    assert.equal(s.phase, 'Failed');
    assert.equal(s.initContainerStatuses[0].state.terminated.exitCode, 2);
    assert.ok(!h.runtime.calls.includes('createContainer app 0'));
    h.workers.stop();
  });

  test('a failing init container is retried under OnFailure', async () => {
    const h = harness();
    h.runtime.script('init-a', { exitAfterMs: 500, exitCode: 2 }, { exitAfterMs: 500, exitCode: 0 });
    await h.workers.update(makePod([{ name: 'app', image: 'nginx' }], { restartPolicy: 'OnFailure', initContainers: [{ name: 'init-a', image: 'busybox' }] }));
    await h.clock.advance(3000);
    assert.ok(h.runtime.calls.includes('createContainer init-a 1'));
    assert.ok(h.runtime.calls.includes('createContainer app 0'));
    assert.equal(h.last().initContainerStatuses[0].restartCount, 1);
    h.workers.stop();
  });
});

describe('PodWorker restarts', () => {
  test('CrashLoopBackOff: back-off 10s doubling to 5m, with kubelet reason and message', async () => {
    const h = harness();
    for (let i = 0; i < 12; i++) h.runtime.script('app', { exitAfterMs: 1000, exitCode: 1 });
    await h.workers.update(makePod([{ name: 'app', image: 'busybox:1' }]));
    await h.clock.advance(16 * 60_000);
    const starts = h.events.filter((e) => e.reason === 'Started').map((e) => e.at);
    const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
    // first restart is immediate (1s run), then 1s run + 10s, 20s, 40s, 80s, 160s, 300s (cap)
    assert.deepEqual(gaps.slice(0, 8), [1000, 11000, 21000, 41000, 81000, 161000, 301000, 301000]);
    const messages = [...new Set(h.statuses.map((s) => s.containerStatuses[0].state.waiting?.message).filter(Boolean))];
    assert.deepEqual(messages, ['10', '20', '40', '1m20', '2m40', '5m0'].map((d) =>
      `back-off ${d}s restarting failed container=app pod=web_default(uid-1)`));
    const crashing = h.statuses.find((s) => s.containerStatuses[0].state.waiting?.reason === 'CrashLoopBackOff')!;
    const c = crashing.containerStatuses[0];
    assert.equal(crashing.phase, 'Running');
    assert.equal(c.restartCount, 1);
    assert.equal(c.ready, false);
    assert.equal(c.started, false);
    assert.deepEqual(Object.keys(c.lastState.terminated), ['exitCode', 'reason', 'startedAt', 'finishedAt', 'containerID']);
    assert.equal(c.lastState.terminated.exitCode, 1);
    assert.equal(c.lastState.terminated.reason, 'Error');
    assert.equal(crashing.conditions.find((x: Json) => x.type === 'ContainersReady').message, 'containers with unready status: [app]');
    h.workers.stop();
  });

  test('restartPolicy Never: a failed container is not restarted and the pod is Failed', async () => {
    const h = harness();
    h.runtime.script('app', { exitAfterMs: 1000, exitCode: 3 });
    await h.workers.update(makePod([{ name: 'app', image: 'busybox' }], { restartPolicy: 'Never' }));
    await h.clock.advance(5000);
    const s = h.last();
    assert.equal(s.phase, 'Failed');
    assert.equal(s.containerStatuses[0].state.terminated.exitCode, 3);
    assert.equal(s.containerStatuses[0].restartCount, 0);
    assert.equal(h.cond('PodReadyToStartContainers').status, 'False');
    assert.equal(h.cond('Ready').reason, 'ContainersNotReady');
    assert.equal(h.runtime.calls.filter((c) => c.startsWith('createContainer')).length, 1);
  });

  test('restartPolicy OnFailure: restarts after a failure, Succeeded after exit 0', async () => {
    const h = harness();
    h.runtime.script('app', { exitAfterMs: 1000, exitCode: 1 }, { exitAfterMs: 1000, exitCode: 0 });
    await h.workers.update(makePod([{ name: 'app', image: 'busybox' }], { restartPolicy: 'OnFailure' }));
    await h.clock.advance(1500);
    assert.equal(h.last().phase, 'Running');
    await h.clock.advance(5000);
    const s = h.last();
    assert.equal(s.phase, 'Succeeded');
    assert.equal(s.containerStatuses[0].restartCount, 1);
    assert.equal(s.containerStatuses[0].state.terminated.reason, 'Completed');
    assert.equal(s.containerStatuses[0].lastState.terminated.exitCode, 1);
    assert.deepEqual({ status: h.cond('Ready').status, reason: h.cond('Ready').reason }, { status: 'False', reason: 'PodCompleted' });
    assert.equal(h.cond('PodScheduled').status, 'True');
  });

  test('ErrImagePull shows as the waiting reason with the pull error', async () => {
    const h = harness();
    h.runtime.failPull('nope:1', 'failed to resolve reference "docker.io/library/nope:1": not found');
    await h.workers.update(makePod([{ name: 'app', image: 'nope:1' }]));
    const s = h.last();
    assert.equal(s.phase, 'Pending');
    assert.deepEqual(s.containerStatuses[0].state, { waiting: { reason: 'ErrImagePull', message: 'failed to resolve reference "docker.io/library/nope:1": not found' } });
    h.workers.stop();
  });

  test('ErrImagePull turns into ImagePullBackOff while the pull back-off lasts', async () => {
    const h = harness();
    h.runtime.failPull('nope:1', 'not found');
    await h.workers.update(makePod([{ name: 'app', image: 'nope:1' }]));
    await h.clock.advance(1000);
    assert.deepEqual(h.last().containerStatuses[0].state, { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "nope:1"' } });
    const pulls = () => h.runtime.calls.filter((c) => c.startsWith('pullImage')).length;
    assert.equal(pulls(), 1);
    await h.clock.advance(9000);
    assert.equal(pulls(), 2, 'retried once the 10s back-off ends');
    assert.equal(h.last().containerStatuses[0].state.waiting.reason, 'ErrImagePull');
    h.workers.stop();
  });

  test('pulls with the credentials of the pod\'s pull secrets; a failed pull also records "Error: ErrImagePull"', async () => {
    const asked: string[] = [];
    const h = harness(undefined, {
      pullCredentials: async (pod, image) => {
        asked.push(`${pod.metadata.name} ${image}`);
        return { auths: [{ username: 'alice', password: 'a' }], missing: [] };
      },
    });
    h.runtime.failPull('reg.example.com/bad:1', 'rpc error: code = Unknown desc = 401 Unauthorized');
    await h.workers.update(makePod([{ name: 'app', image: 'reg.example.com/app:1' }, { name: 'bad', image: 'reg.example.com/bad:1' }]));
    assert.deepEqual(asked, ['web reg.example.com/app:1', 'web reg.example.com/bad:1']);
    assert.ok(h.runtime.calls.includes('pullImage reg.example.com/app:1 as alice'));
    assert.ok(h.last().containerStatuses.find((c: Json) => c.name === 'app').state.running);
    assert.deepEqual(h.events.filter((e) => e.reason === 'Failed').map((e) => e.message), [
      'Failed to pull image "reg.example.com/bad:1": rpc error: code = Unknown desc = 401 Unauthorized',
      'Error: ErrImagePull',
    ]);
    h.workers.stop();
  });

  test('a runtime error while creating shows CreateContainerError and is retried', async () => {
    const h = harness();
    const create = h.runtime.createContainer.bind(h.runtime);
    let failures = 1;
    h.runtime.createContainer = async (...args) => {
      if (failures-- > 0) throw new Error('failed to create containerd container: no space left on device');
      return create(...args);
    };
    await h.workers.update(makePod([{ name: 'app', image: 'nginx:1' }]));
    assert.deepEqual(h.last().containerStatuses[0].state, { waiting: { reason: 'CreateContainerError', message: 'failed to create containerd container: no space left on device' } });
    await h.clock.advance(1000);
    assert.ok(h.last().containerStatuses[0].state.running);
    h.workers.stop();
  });

  test('a failed postStart hook kills the container (FailedPostStartHook) and it is restarted', async () => {
    const h = harness();
    await h.workers.update(makePod([{ name: 'app', image: 'busybox', lifecycle: { postStart: { exec: { command: ['fail'] } } } }], { terminationGracePeriodSeconds: 5 }));
    assert.ok(h.events.some((e) => e.reason === 'FailedPostStartHook' && e.message === 'hook failed'));
    assert.ok(h.runtime.calls.includes('stopContainer app 5'));
    await h.clock.advance(2000);
    assert.ok(h.runtime.calls.includes('createContainer app 1'));
    h.workers.stop();
  });
});

describe('PodWorker probes', () => {
  const probe = { periodSeconds: 10, failureThreshold: 3, exec: { command: ['check'] } };

  test('a failing liveness probe restarts the container', async () => {
    const h = harness((_n, type) => type !== 'liveness');
    await h.workers.update(makePod([{ name: 'app', image: 'busybox', livenessProbe: probe }], { terminationGracePeriodSeconds: 7 }));
    // probes at 0s, 10s, 20s: the third failure (failureThreshold 3) kills the container
    await h.clock.advance(19_000);
    assert.equal(h.last().containerStatuses[0].restartCount, 0);
    await h.clock.advance(1500);
    const kill = h.events.find((e) => e.reason === 'Killing')!;
    assert.deepEqual(kill, { reason: 'Killing', message: 'Container app failed liveness probe, will be restarted', at: 20_000 });
    assert.ok(h.runtime.calls.includes('stopContainer app 7'));
    const c = h.last().containerStatuses[0];
    assert.equal(c.restartCount, 1);
    assert.ok(c.state.running);
    assert.equal(c.lastState.terminated.exitCode, 143);
    h.workers.stop();
  });

  test('a failing readiness probe keeps Ready False; success flips it with a new lastTransitionTime', async () => {
    let healthy = false;
    const h = harness((_n, type) => type !== 'readiness' || healthy);
    await h.workers.update(makePod([{ name: 'app', image: 'busybox', readinessProbe: { ...probe, initialDelaySeconds: 5 } }]));
    await h.clock.advance(60_000);
    const ready = h.cond('Ready');
    assert.deepEqual(ready, { type: 'Ready', status: 'False', lastProbeTime: null, lastTransitionTime: '2026-01-01T00:00:00Z', reason: 'ContainersNotReady', message: 'containers with unready status: [app]' });
    assert.equal(h.last().containerStatuses[0].ready, false);
    assert.equal(h.last().containerStatuses[0].started, true);
    assert.equal(h.last().phase, 'Running');
    healthy = true;
    await h.clock.advance(10_000);
    assert.deepEqual(h.cond('Ready'), { type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: '2026-01-01T00:01:05Z' });
    assert.equal(h.cond('ContainersReady').status, 'True');
    assert.deepEqual(h.last().conditions.map((c: Json) => c.type), ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled']);
    h.workers.stop();
  });

  test('a startup probe holds liveness and readiness until it succeeds', async () => {
    const h = harness((_n, type, n) => type !== 'startup' || n >= 3);
    await h.workers.update(makePod([{ name: 'app', image: 'busybox', startupProbe: { ...probe, failureThreshold: 5 }, readinessProbe: { ...probe }, livenessProbe: { ...probe } }]));
    await h.clock.advance(15_000);
    assert.deepEqual(h.probeRuns, ['app/startup@0', 'app/startup@10']);
    assert.equal(h.last().containerStatuses[0].started, false);
    assert.equal(h.last().containerStatuses[0].ready, false);
    await h.clock.advance(10_000);
    // the third startup run succeeds at 20s; liveness and readiness start probing from then on
    assert.deepEqual(h.probeRuns.slice(0, 3), ['app/startup@0', 'app/startup@10', 'app/startup@20']);
    assert.deepEqual(h.probeRuns.slice(3).sort(), ['app/liveness@20', 'app/readiness@20']);
    assert.equal(h.last().containerStatuses[0].started, true);
    assert.equal(h.last().containerStatuses[0].ready, true);
    h.workers.stop();
  });

  test('a startup probe past its failureThreshold restarts the container', async () => {
    const h = harness((_n, type) => type !== 'startup');
    await h.workers.update(makePod([{ name: 'app', image: 'busybox', startupProbe: { ...probe, failureThreshold: 2 } }]));
    await h.clock.advance(11_000);
    assert.ok(h.events.some((e) => e.message === 'Container app failed startup probe, will be restarted'));
    assert.equal(h.last().containerStatuses[0].restartCount, 1);
    h.workers.stop();
  });
});

describe('PodWorker termination', () => {
  test('a hanging preStop hook is cut off at the grace period; the kill still gets the 2s minimum', async () => {
    const h = harness();
    const pod = makePod([{ name: 'app', image: 'nginx', lifecycle: { preStop: { exec: { command: ['hang'] } } } }]);
    await h.workers.update(pod);
    const done = h.workers.update({ ...pod, metadata: { ...pod.metadata, deletionTimestamp: '2026-01-01T00:00:05Z', deletionGracePeriodSeconds: 20 } });
    await h.clock.advance(19_000);
    assert.ok(!h.runtime.calls.some((c) => c.startsWith('stopContainer')));
    await h.clock.advance(1000);
    const result = await done;
    assert.equal(result?.terminated, true);
    assert.ok(h.runtime.calls.includes('stopContainer app 2'));
  });


  test('preStop, then stop with the grace period, then the sandbox goes; termination is reported', async () => {
    const h = harness();
    const pod = makePod([{ name: 'app', image: 'nginx', lifecycle: { preStop: { exec: { command: ['drain'] } } } }, { name: 'side', image: 'busybox' }], { terminationGracePeriodSeconds: 30 });
    await h.workers.update(pod);
    const before = h.runtime.calls.length;
    const result = await h.workers.update({ ...pod, metadata: { ...pod.metadata, deletionTimestamp: '2026-01-01T00:00:05Z', deletionGracePeriodSeconds: 20 } });
    assert.equal(result?.terminated, true);
    const after = h.runtime.calls.slice(before);
    assert.deepEqual(after.filter((c) => !c.startsWith('removeContainer')), ['hook app drain', 'stopContainer side 20', 'stopContainer app 20', 'stopSandbox sandbox-1', 'removeSandbox sandbox-1']);
    assert.deepEqual(h.terminated, ['web']);
    const s = result!.status;
    assert.equal(s.phase, 'Failed');
    assert.equal((s.containerStatuses as Json[])[0].state.terminated.exitCode, 143);
    assert.equal((s.conditions as Json[]).find((c) => c.type === 'PodReadyToStartContainers')?.status, 'False');
    assert.equal(h.workers.size, 0);
    await h.clock.advance(5000);
    assert.equal(h.runtime.calls.length, before + after.length, 'no activity after termination');
  });
});

describe('PodWorker volumes', () => {
  test('are set up while the sandbox starts; a failed mount is reported first, the sandbox is kept, and the retry starts the containers', async () => {
    const errors: string[] = [];
    const h = harness(undefined, { onError: (_pod, err) => errors.push(err.message) });
    let attempts = 0;
    let sandboxStarted = false;
    h.runtime.setUpVolumes = async () => {
      h.runtime.calls.push('setUpVolumes');
      attempts++;
      await new Promise((r) => setImmediate(r));
      // The sandbox is being created meanwhile (they overlap).
      assert.ok(h.runtime.calls.includes('runSandbox web'));
      if (attempts === 1) throw new Error('MountVolume.SetUp failed for volume "config" : configmap "app" not found');
    };
    const run = h.runtime.runSandbox.bind(h.runtime);
    h.runtime.runSandbox = async (pod) => {
      const info = await run(pod);
      sandboxStarted = true;
      return info;
    };
    await h.workers.update(makePod([{ name: 'app', image: 'nginx' }]));
    assert.deepEqual(errors, ['MountVolume.SetUp failed for volume "config" : configmap "app" not found']);
    assert.ok(sandboxStarted);
    assert.equal(h.statuses.length, 0, 'no status while the pod cannot start');
    await h.clock.advance(1000);
    assert.equal(h.runtime.calls.filter((c) => c.startsWith('runSandbox')).length, 1, 'the sandbox of the first attempt is reused');
    assert.equal(attempts, 2);
    assert.equal(h.last().phase, 'Running');
    await h.clock.advance(1000);
    assert.equal(attempts, 2, 'set up once; refreshes are the volume manager\'s job');
  });
});

describe('PodWorkers and the PLEG', () => {
  test('a steady pod is not synced every second; a container exit is still seen within one relist', async () => {
    const h = harness();
    let listings = 0;
    const statuses = h.runtime.containerStatuses.bind(h.runtime);
    h.runtime.containerStatuses = async (id) => { listings++; return statuses(id); };
    h.runtime.script('app', { exitAfterMs: 30_000, exitCode: 0 });
    await h.workers.update(makePod([{ name: 'app', image: 'busybox' }], { restartPolicy: 'Never' }));
    assert.equal(h.last().phase, 'Running');
    const before = listings;
    await h.clock.advance(25_000);
    // One sync after the first relist saw the new container, then one per 10 s steady resync
    // (each sync lists the pod's containers twice); a sync a second would be 25 syncs.
    assert.ok(listings - before <= 8, `${listings - before} container listings in 25 s`);
    await h.clock.advance(6_000);
    assert.equal(h.last().phase, 'Succeeded');
    const finished = Date.parse(h.last().containerStatuses[0].state.terminated.finishedAt);
    assert.equal(finished - h.start, 30_000);
    assert.ok(h.statuses.length >= 2);
    h.workers.stop();
  });

  test('a pod waiting on a back-off or an error keeps the one-second resync', async () => {
    const errors: string[] = [];
    const h = harness(undefined, { onError: (_pod, err) => errors.push(err.message) });
    let failures = 3;
    const run = h.runtime.runSandbox.bind(h.runtime);
    h.runtime.runSandbox = async (pod) => {
      if (failures-- > 0) throw new Error('CRI RunPodSandbox: network is not ready');
      return run(pod);
    };
    await h.workers.update(makePod([{ name: 'app', image: 'busybox' }]));
    await h.clock.advance(3000);
    assert.equal(errors.length, 3);
    assert.equal(h.last().phase, 'Running');
    h.workers.stop();
  });
});
