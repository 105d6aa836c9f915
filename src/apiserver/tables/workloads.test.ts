import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/object.ts';
import { cronJobPrinter, daemonSetPrinter, deploymentPrinter, jobPrinter, replicaSetPrinter, statefulSetPrinter } from './workloads.ts';

const ctx = { now: Date.parse('2024-05-01T12:00:00Z') };
const meta = { name: 'web', namespace: 'default', creationTimestamp: '2024-04-30T12:00:00Z' };
const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }, { name: 'log', image: 'busybox' }] } };
const obj = (kind: string, rest: Record<string, unknown>): KubeObject => ({ kind, metadata: { ...meta }, ...rest });

describe('deployment printer', () => {
  test('columns are NAME READY UP-TO-DATE AVAILABLE AGE | CONTAINERS IMAGES SELECTOR', () => {
    assert.deepEqual(deploymentPrinter.columns.map((c) => [c.name, c.priority]), [
      ['Name', 0], ['Ready', 0], ['Up-to-date', 0], ['Available', 0], ['Age', 0], ['Containers', 1], ['Images', 1], ['Selector', 1],
    ]);
  });

  test('prints ready/desired, counts, containers, images and the selector string', () => {
    const d = obj('Deployment', {
      spec: { replicas: 3, selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'back'] }] }, template },
      status: { replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
    });
    assert.deepEqual(deploymentPrinter.print(d, ctx).cells, ['web', '2/3', 3, 2, '24h', 'nginx,log', 'nginx:1.27,busybox', 'app=web,tier in (back,front)']);
  });

  test('a fresh deployment without status prints zeros, and an empty selector prints as empty', () => {
    const d = obj('Deployment', { spec: { replicas: 1, selector: {}, template } });
    assert.deepEqual(deploymentPrinter.print(d, ctx).cells.slice(1, 4), ['0/1', 0, 0]);
    assert.equal(deploymentPrinter.print(d, ctx).cells[7], '');
  });
});

describe('other workload printers', () => {
  test('ReplicaSet: DESIRED CURRENT READY as integers, selector as <none> when empty', () => {
    const rs = obj('ReplicaSet', { spec: { replicas: 2, template }, status: { replicas: 2, readyReplicas: 1 } });
    assert.deepEqual(replicaSetPrinter.print(rs, ctx).cells, ['web', 2, 2, 1, '24h', 'nginx,log', 'nginx:1.27,busybox', '<none>']);
  });

  test('StatefulSet: READY ready/desired', () => {
    const sts = obj('StatefulSet', { spec: { replicas: 3, template }, status: { readyReplicas: 3 } });
    assert.deepEqual(statefulSetPrinter.print(sts, ctx).cells.slice(0, 3), ['web', '3/3', '24h']);
  });

  test('DaemonSet: counts and the node selector', () => {
    const ds = obj('DaemonSet', {
      spec: { selector: { matchLabels: { app: 'web' } }, template: { spec: { ...template.spec, nodeSelector: { 'kubernetes.io/os': 'linux' } } } },
      status: { desiredNumberScheduled: 2, currentNumberScheduled: 2, numberReady: 1, updatedNumberScheduled: 2, numberAvailable: 1 },
    });
    assert.deepEqual(daemonSetPrinter.print(ds, ctx).cells, ['web', 2, 2, 1, 2, 1, 'kubernetes.io/os=linux', '24h', 'nginx,log', 'nginx:1.27,busybox', 'app=web']);
  });

  test('Job: STATUS from conditions, COMPLETIONS and DURATION', () => {
    const running = obj('Job', { spec: { completions: 3, parallelism: 1, template }, status: { succeeded: 1, startTime: '2024-05-01T11:57:00Z' } });
    assert.deepEqual(jobPrinter.print(running, ctx).cells.slice(0, 5), ['web', 'Running', '1/3', '3m', '24h']);
    const done = obj('Job', {
      spec: { parallelism: 2, template },
      status: { succeeded: 1, startTime: '2024-05-01T11:00:00Z', completionTime: '2024-05-01T11:00:42Z', conditions: [{ type: 'Complete', status: 'True' }] },
    });
    assert.deepEqual(jobPrinter.print(done, ctx).cells.slice(1, 4), ['Complete', '1/1 of 2', '42s']);
    const suspended = obj('Job', { spec: { completions: 1, template }, status: { conditions: [{ type: 'Suspended', status: 'True' }] } });
    assert.deepEqual(jobPrinter.print(suspended, ctx).cells.slice(1, 4), ['Suspended', '0/1', '']);
  });

  test('CronJob: schedule, timezone, suspend, active and last schedule', () => {
    const cj = obj('CronJob', {
      spec: { schedule: '*/5 * * * *', suspend: false, jobTemplate: { spec: { template } } },
      status: { active: [{ name: 'web-1' }], lastScheduleTime: '2024-05-01T11:55:00Z' },
    });
    assert.deepEqual(cronJobPrinter.print(cj, ctx).cells, ['web', '*/5 * * * *', '<none>', 'False', 1, '5m', '24h', 'nginx,log', 'nginx:1.27,busybox', '<none>']);
  });
});
