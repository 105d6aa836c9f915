import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/object.ts';
import { eventPrinter, eventsV1Printer } from './events.ts';

const ctx = { now: Date.parse('2024-05-01T12:00:00Z') };

describe('event printer', () => {
  test('columns are LAST SEEN TYPE REASON OBJECT MESSAGE | SUBOBJECT SOURCE FIRST SEEN COUNT NAME', () => {
    assert.deepEqual(eventPrinter.columns.map((c) => [c.name, c.priority]), [
      ['Last Seen', 0], ['Type', 0], ['Reason', 0], ['Object', 0], ['Subobject', 1], ['Source', 1], ['Message', 0], ['First Seen', 1], ['Count', 1], ['Name', 1],
    ]);
    assert.equal(eventPrinter.columns[9]!.format, 'name');
  });

  test('a repeated core event', () => {
    const ev: KubeObject = {
      kind: 'Event',
      metadata: { name: 'web.17c1', namespace: 'default' },
      involvedObject: { kind: 'Pod', name: 'web', fieldPath: 'spec.containers{app}' },
      reason: 'BackOff',
      message: 'Back-off restarting failed container\n',
      type: 'Warning',
      source: { component: 'kubelet', host: 'node-1' },
      firstTimestamp: '2024-05-01T11:00:00Z',
      lastTimestamp: '2024-05-01T11:59:30Z',
      count: 12,
    };
    assert.deepEqual(eventPrinter.print(ev, ctx).cells, [
      '30s', 'Warning', 'BackOff', 'pod/web', 'spec.containers{app}', 'kubelet, node-1', 'Back-off restarting failed container', '60m', 12, 'web.17c1',
    ]);
  });

  test('an event with only eventTime and a series, reported by a controller', () => {
    const ev: KubeObject = {
      metadata: { name: 'e2' },
      involvedObject: { kind: 'Node' },
      reason: 'Starting',
      type: 'Normal',
      eventTime: '2024-05-01T11:50:00.000000Z',
      series: { count: 4, lastObservedTime: '2024-05-01T11:58:00.000000Z' },
      reportingComponent: 'kube-proxy',
      reportingInstance: '',
    };
    assert.deepEqual(eventPrinter.print(ev, ctx).cells, ['2m', 'Normal', 'Starting', 'node', '', 'kube-proxy', '', '10m', 4, 'e2']);
  });

  test('a singleton event without count counts 1', () => {
    const ev: KubeObject = { metadata: { name: 'e3' }, involvedObject: { kind: 'Pod', name: 'p' }, eventTime: '2024-05-01T11:59:55.000000Z' };
    assert.deepEqual(eventPrinter.print(ev, ctx).cells.slice(7, 9), ['5s', 1]);
  });

  test('events.k8s.io/v1 objects print the same columns through the field mapping', () => {
    const ev: KubeObject = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: 'web.17c2', namespace: 'default' },
      regarding: { kind: 'Deployment', name: 'web' },
      reason: 'ScalingReplicaSet',
      note: 'Scaled up replica set web-abc to 3',
      type: 'Normal',
      eventTime: '2024-05-01T11:59:00.000000Z',
      reportingController: 'deployment-controller',
      reportingInstance: 'skiff-server',
      deprecatedCount: 2,
      deprecatedFirstTimestamp: '2024-05-01T11:40:00Z',
      deprecatedLastTimestamp: '2024-05-01T11:59:00Z',
    };
    assert.deepEqual(eventsV1Printer.print(ev, ctx).cells, [
      '60s', 'Normal', 'ScalingReplicaSet', 'deployment/web', '', 'deployment-controller, skiff-server', 'Scaled up replica set web-abc to 3', '20m', 2, 'web.17c2',
    ]);
  });
});
