import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generatePodStatus, podPhase, type StatusInput } from './status.ts';
import type { KubeletPod, RuntimeContainerStatus } from './runtime-interface.ts';

type Json = Record<string, any>;
const T0 = Date.parse('2026-01-01T00:00:00Z');

function pod(status: Json = {}): KubeletPod {
  return {
    metadata: { name: 'p', namespace: 'default', uid: 'u' },
    spec: { restartPolicy: 'Always', containers: [{ name: 'a', image: 'nginx:1' }, { name: 'b', image: 'redis:7' }] },
    status: { qosClass: 'Burstable', conditions: [{ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: '2025-12-31T00:00:00Z' }], ...status },
  };
}

function running(name: string, id: string, attempt = 0): RuntimeContainerStatus {
  return { id, name, attempt, state: 'running', createdAt: T0, startedAt: T0 + 1000, image: `docker.io/library/${name}:1`, imageId: `sha256:${name}` };
}

function input(p: KubeletPod, containers: RuntimeContainerStatus[], over: Partial<StatusInput> = {}): StatusInput {
  return { pod: p, sandbox: { ip: '10.42.0.7', ready: true }, containers, isReady: () => true, isStarted: () => true, waiting: new Map(), hostIP: '192.168.1.10', now: T0 + 5000, ...over };
}

describe('generatePodStatus', () => {
  test('all running and ready: conditions in kubelet order, IPs, startTime, qosClass kept', () => {
    const s = generatePodStatus(input(pod(), [running('a', 'c1'), running('b', 'c2')])) as Json;
    assert.equal(s.phase, 'Running');
    assert.deepEqual(s.conditions.map((c: Json) => [c.type, c.status]), [
      ['PodReadyToStartContainers', 'True'], ['Initialized', 'True'], ['Ready', 'True'], ['ContainersReady', 'True'], ['PodScheduled', 'True'],
    ]);
    assert.equal(s.conditions[4].lastTransitionTime, '2025-12-31T00:00:00Z');
    assert.deepEqual([s.podIP, s.podIPs, s.hostIP, s.hostIPs], ['10.42.0.7', [{ ip: '10.42.0.7' }], '192.168.1.10', [{ ip: '192.168.1.10' }]]);
    assert.equal(s.startTime, '2026-01-01T00:00:05Z');
    assert.equal(s.qosClass, 'Burstable');
    assert.deepEqual(s.containerStatuses[0], {
      name: 'a', state: { running: { startedAt: '2026-01-01T00:00:01Z' } }, lastState: {}, ready: true, restartCount: 0,
      image: 'docker.io/library/a:1', imageID: 'sha256:a', containerID: 'containerd://c1', started: true,
    });
  });

  test('unready containers are listed in the ContainersNotReady message; lastTransitionTime only moves on change', () => {
    const first = generatePodStatus(input(pod(), [running('a', 'c1'), running('b', 'c2')], { isReady: () => false })) as Json;
    const ready = first.conditions.find((c: Json) => c.type === 'Ready');
    assert.deepEqual(ready, { type: 'Ready', status: 'False', lastProbeTime: null, lastTransitionTime: '2026-01-01T00:00:05Z', reason: 'ContainersNotReady', message: 'containers with unready status: [a b]' });
    const again = generatePodStatus(input(pod(first), [running('a', 'c1'), running('b', 'c2')], { isReady: (id) => id === 'c1', now: T0 + 9000 })) as Json;
    const ready2 = again.conditions.find((c: Json) => c.type === 'Ready');
    assert.equal(ready2.lastTransitionTime, '2026-01-01T00:00:05Z');
    assert.equal(ready2.message, 'containers with unready status: [b]');
    const flipped = generatePodStatus(input(pod(again), [running('a', 'c1'), running('b', 'c2')], { now: T0 + 20000 })) as Json;
    assert.equal(flipped.conditions.find((c: Json) => c.type === 'Ready').lastTransitionTime, '2026-01-01T00:00:20Z');
    assert.equal(flipped.startTime, '2026-01-01T00:00:05Z', 'startTime is kept');
  });

  test('no containers yet: ContainerCreating, Pending; created-only containers have an empty waiting state', () => {
    const s = generatePodStatus(input(pod(), [{ ...running('a', 'c1'), state: 'created', startedAt: undefined }])) as Json;
    assert.equal(s.phase, 'Pending');
    assert.deepEqual(s.containerStatuses[0].state, { waiting: {} });
    assert.deepEqual(s.containerStatuses[1].state, { waiting: { reason: 'ContainerCreating' } });
    assert.equal(s.containerStatuses[1].image, 'redis:7');
    assert.equal(s.containerStatuses[1].imageID, '');
  });

  test('terminated state carries exitCode, reason, times and containerID; previous attempt is lastState', () => {
    const dead: RuntimeContainerStatus = { ...running('a', 'c1'), state: 'exited', exitCode: 137, reason: 'OOMKilled', finishedAt: T0 + 3000 };
    const p = pod();
    p.spec.restartPolicy = 'Never';
    p.spec.containers = [{ name: 'a', image: 'nginx:1' }];
    const s = generatePodStatus(input(p, [dead])) as Json;
    assert.equal(s.phase, 'Failed');
    assert.deepEqual(s.containerStatuses[0].state, { terminated: { exitCode: 137, reason: 'OOMKilled', startedAt: '2026-01-01T00:00:01Z', finishedAt: '2026-01-01T00:00:03Z', containerID: 'containerd://c1' } });
    const s2 = generatePodStatus(input(p, [dead, running('a', 'c2', 1)])) as Json;
    assert.equal(s2.containerStatuses[0].restartCount, 1);
    assert.equal(s2.containerStatuses[0].lastState.terminated.reason, 'OOMKilled');
  });

  test('Succeeded: Ready/ContainersReady False PodCompleted, Initialized True PodCompleted; terminal phase is sticky', () => {
    const p = pod();
    p.spec.restartPolicy = 'OnFailure';
    p.spec.containers = [{ name: 'a', image: 'busybox' }];
    const done: RuntimeContainerStatus = { ...running('a', 'c1'), state: 'exited', exitCode: 0, reason: 'Completed', finishedAt: T0 + 2000 };
    const s = generatePodStatus(input(p, [done], { sandbox: { ip: '10.42.0.7', ready: false } })) as Json;
    assert.equal(s.phase, 'Succeeded');
    const byType = Object.fromEntries(s.conditions.map((c: Json) => [c.type, c]));
    assert.deepEqual([byType.Ready.status, byType.Ready.reason, byType.ContainersReady.reason], ['False', 'PodCompleted', 'PodCompleted']);
    assert.deepEqual([byType.Initialized.status, byType.Initialized.reason], ['True', 'PodCompleted']);
    assert.equal(byType.PodReadyToStartContainers.status, 'False');
    const later = generatePodStatus(input({ ...p, status: s }, [])) as Json;
    assert.equal(later.phase, 'Succeeded');
  });

  test('non-kubelet conditions (readiness gates, DisruptionTarget) are kept and come first', () => {
    const p = pod({ conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler' }] });
    const s = generatePodStatus(input(p, [running('a', 'c1'), running('b', 'c2')])) as Json;
    assert.deepEqual(s.conditions.map((c: Json) => c.type), ['DisruptionTarget', 'PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled']);
  });

  test('waiting override on a dead container: waiting state, death as lastState', () => {
    const p = pod();
    p.spec.containers = [{ name: 'a', image: 'nginx:1' }];
    const dead: RuntimeContainerStatus = { ...running('a', 'c1', 3), state: 'exited', exitCode: 1, reason: 'Error', finishedAt: T0 + 3000 };
    const s = generatePodStatus(input(p, [dead], { waiting: new Map([['a', { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container=a pod=p_default(u)' }]]) })) as Json;
    assert.deepEqual(s.containerStatuses[0].state, { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container=a pod=p_default(u)' } });
    assert.equal(s.containerStatuses[0].lastState.terminated.exitCode, 1);
    assert.equal(s.containerStatuses[0].restartCount, 3);
    assert.equal(s.phase, 'Running');
  });
});

describe('podPhase', () => {
  const run = { state: { running: {} }, lastState: {} };
  const ok = { state: { terminated: { exitCode: 0 } }, lastState: {} };
  const bad = { state: { terminated: { exitCode: 1 } }, lastState: {} };
  const wait = { state: { waiting: {} }, lastState: {} };
  test('follows kubelet getPhase', () => {
    assert.equal(podPhase('Always', [run], [wait]), 'Pending');
    assert.equal(podPhase('Never', [bad], [wait]), 'Failed');
    assert.equal(podPhase('OnFailure', [bad], [wait]), 'Pending');
    assert.equal(podPhase('Always', [ok], [run, ok]), 'Running');
    assert.equal(podPhase('Always', [], [ok, bad]), 'Running');
    assert.equal(podPhase('OnFailure', [], [ok, bad]), 'Running');
    assert.equal(podPhase('OnFailure', [], [ok, ok]), 'Succeeded');
    assert.equal(podPhase('Never', [], [ok, bad]), 'Failed');
    assert.equal(podPhase('Always', [], [ok, bad], true), 'Failed');
    assert.equal(podPhase('Always', [], [ok], true), 'Succeeded');
  });
});
