import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/object.ts';
import { podPrinter } from './pods.ts';

const NOW = Date.parse('2024-05-01T12:00:00Z');
const ctx = { now: NOW };

function pod(spec: Record<string, unknown>, status: Record<string, unknown>, meta: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', creationTimestamp: '2024-05-01T11:55:00Z', ...meta },
    spec: { containers: [{ name: 'app', image: 'nginx' }], ...spec },
    status,
  };
}

const running = { running: { startedAt: '2024-05-01T11:55:10Z' } };
const cells = (p: KubeObject) => podPrinter.print(p, ctx).cells;
/** READY, STATUS, RESTARTS */
const summary = (p: KubeObject) => cells(p).slice(1, 4);

describe('pod printer', () => {
  test('columns are NAME READY STATUS RESTARTS AGE | IP NODE NOMINATED NODE READINESS GATES', () => {
    assert.deepEqual(
      podPrinter.columns.map((c) => [c.name, c.priority]),
      [['Name', 0], ['Ready', 0], ['Status', 0], ['Restarts', 0], ['Age', 0], ['IP', 1], ['Node', 1], ['Nominated Node', 1], ['Readiness Gates', 1]],
    );
    assert.equal(podPrinter.columns[0]!.format, 'name');
    assert.equal(podPrinter.columns[3]!.type, 'string');
  });

  test('a running ready pod, with wide cells', () => {
    const p = pod({ nodeName: 'node-1' }, { phase: 'Running', podIP: '10.42.0.5', podIPs: [{ ip: '10.42.0.5' }], containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: running }] });
    assert.deepEqual(cells(p), ['web', '1/1', 'Running', '0', '5m', '10.42.0.5', 'node-1', '<none>', '<none>']);
  });

  test('a pending unscheduled pod shows <none> for IP and node', () => {
    const row = podPrinter.print(pod({}, { phase: 'Pending' }), ctx);
    assert.deepEqual(row.cells, ['web', '0/1', 'Pending', '0', '5m', '<none>', '<none>', '<none>', '<none>']);
    assert.equal(row.conditions, undefined);
  });

  test('ContainerCreating and CrashLoopBackOff come from the waiting reason; restarts show "(ago)"', () => {
    const creating = pod({}, { phase: 'Pending', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] });
    assert.deepEqual(summary(creating), ['0/1', 'ContainerCreating', '0']);
    const crashing = pod({}, {
      phase: 'Running',
      containerStatuses: [{
        name: 'app', ready: false, restartCount: 5,
        state: { waiting: { reason: 'CrashLoopBackOff' } },
        lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: '2024-05-01T11:58:00Z' } },
      }],
    });
    assert.deepEqual(summary(crashing), ['0/1', 'CrashLoopBackOff', '5 (2m ago)']);
  });

  test('init containers: Init:i/n while running, Init:<reason> when failing', () => {
    const spec = { initContainers: [{ name: 'a', image: 'busybox' }, { name: 'b', image: 'busybox' }] };
    const progressing = pod(spec, {
      phase: 'Pending',
      initContainerStatuses: [
        { name: 'a', ready: true, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
        { name: 'b', ready: false, restartCount: 0, state: running },
      ],
      containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }],
    });
    assert.deepEqual(summary(progressing), ['0/1', 'Init:1/2', '0']);
    const failing = pod(spec, {
      phase: 'Pending',
      initContainerStatuses: [{ name: 'a', ready: false, restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } } }],
    });
    assert.deepEqual(summary(failing), ['0/1', 'Init:CrashLoopBackOff', '3']);
    const exited = pod(spec, { phase: 'Pending', initContainerStatuses: [{ name: 'a', ready: false, restartCount: 0, state: { terminated: { exitCode: 2 } } }] });
    assert.equal(summary(exited)[1], 'Init:ExitCode:2');
  });

  test('a started sidecar init container counts toward READY and its restarts carry over', () => {
    const spec = { initContainers: [{ name: 'proxy', image: 'envoy', restartPolicy: 'Always' }] };
    const p = pod(spec, {
      phase: 'Running',
      conditions: [{ type: 'Initialized', status: 'True' }, { type: 'Ready', status: 'True' }],
      initContainerStatuses: [{ name: 'proxy', ready: true, started: true, restartCount: 1, state: running, lastState: { terminated: { exitCode: 1, finishedAt: '2024-05-01T11:59:00Z' } } }],
      containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: running }],
    });
    assert.deepEqual(summary(p), ['2/2', 'Running', '1 (60s ago)']);
  });

  test('Completed pods carry the Completed row condition; Error shows the terminated reason', () => {
    const done = podPrinter.print(pod({}, { phase: 'Succeeded', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] }), ctx);
    assert.equal(done.cells[2], 'Completed');
    assert.deepEqual(done.conditions, [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }]);
    const failed = podPrinter.print(pod({}, { phase: 'Failed', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { terminated: { exitCode: 137, signal: 9 } } }] }), ctx);
    assert.equal(failed.cells[2], 'Signal:9');
    assert.equal(failed.conditions?.[0]?.reason, 'Failed');
  });

  test('a completed container beside a running one reads Running, or NotReady without the Ready condition', () => {
    const statuses = [
      { name: 'app', ready: true, restartCount: 0, state: running },
      { name: 'job', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
    ];
    const spec = { containers: [{ name: 'app' }, { name: 'job' }] };
    assert.equal(summary(pod(spec, { phase: 'Running', containerStatuses: statuses, conditions: [{ type: 'Ready', status: 'True' }] }))[1], 'Running');
    assert.equal(summary(pod(spec, { phase: 'Running', containerStatuses: statuses }))[1], 'NotReady');
  });

  test('Terminating when deletionTimestamp is set, Unknown on lost nodes, but not for finished pods', () => {
    const deleting = { deletionTimestamp: '2024-05-01T11:59:00Z' };
    const live = { phase: 'Running', containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: running }] };
    assert.equal(summary(pod({}, live, deleting))[1], 'Terminating');
    assert.equal(summary(pod({}, { ...live, reason: 'NodeLost' }, deleting))[1], 'Unknown');
    assert.equal(summary(pod({}, { phase: 'Succeeded' }, deleting))[1], 'Succeeded');
  });

  test('SchedulingGated, Evicted status reason, readiness gates and nominated node', () => {
    const gated = pod({ schedulingGates: [{ name: 'wait' }] }, { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] });
    assert.equal(summary(gated)[1], 'SchedulingGated');
    assert.equal(summary(pod({}, { phase: 'Failed', reason: 'Evicted' }))[1], 'Evicted');
    const gates = pod({ readinessGates: [{ conditionType: 'example.com/a' }, { conditionType: 'example.com/b' }] }, {
      phase: 'Pending',
      nominatedNodeName: 'node-2',
      conditions: [{ type: 'example.com/a', status: 'True' }, { type: 'example.com/b', status: 'False' }],
    });
    assert.deepEqual(cells(gates).slice(7), ['node-2', '1/2']);
  });
});
