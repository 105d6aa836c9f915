import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/object.ts';
import { printerFor } from './index.ts';
import { rememberRow, rowCellsText } from './remembered-row.ts';

const T0 = Date.parse('2024-05-01T12:00:00Z');
const MINUTE = 60_000;

/** The row (cells and conditions) printed afresh at `now`, as JSON text without the closing brace. */
function printedAt(group: string, resource: string, object: KubeObject, now: number): string {
  const printed = printerFor(group, resource)!.print(object, { now });
  const text = JSON.stringify(printed.conditions ? { cells: printed.cells, conditions: printed.conditions } : { cells: printed.cells });
  return text.slice(0, -1);
}

const restartedPod: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'default', creationTimestamp: '2024-05-01T11:59:30Z' },
  spec: { nodeName: 'n1', containers: [{ name: 'app', image: 'nginx' }] },
  status: { phase: 'Running', podIP: '10.42.0.9', containerStatuses: [{ name: 'app', ready: true, restartCount: 3, state: { running: { startedAt: '2024-05-01T11:59:50Z' } }, lastState: { terminated: { exitCode: 1, finishedAt: '2024-05-01T11:59:45Z' } } }] },
};

const completedPod: KubeObject = {
  ...restartedPod,
  metadata: { ...restartedPod.metadata, name: 'done' },
  status: { phase: 'Succeeded', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] },
};

const runningJob: KubeObject = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'j', namespace: 'default', creationTimestamp: '2024-05-01T11:00:00Z' },
  spec: { completions: 1, template: { spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
  status: { startTime: '2024-05-01T11:00:05Z', active: 1 },
};

const event: KubeObject = {
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name: 'e', namespace: 'default', creationTimestamp: '2024-05-01T11:58:00Z' },
  involvedObject: { kind: 'Pod', name: 'web' },
  reason: 'Pulled',
  message: 'ok',
  type: 'Normal',
  firstTimestamp: '2024-05-01T11:58:00Z',
  lastTimestamp: '2024-05-01T11:59:00Z',
  count: 2,
} as unknown as KubeObject;

test('a remembered row re-aged at a later clock is the row printed afresh then (ages, restarts "ago", job durations, events)', () => {
  const cases: [string, string, KubeObject][] = [['', 'pods', restartedPod], ['', 'pods', completedPod], ['batch', 'jobs', runningJob], ['', 'events', event]];
  for (const [group, resource, object] of cases) {
    const row = rememberRow(printerFor(group, resource)!, object, T0);
    assert.ok(row.ages.length > 0, `${resource}/${object.metadata.name} has age cells`);
    for (const later of [T0, T0 + 1000, T0 + 7 * MINUTE, T0 + 26 * 60 * MINUTE, T0 + 400 * 24 * 60 * MINUTE]) {
      assert.equal(rowCellsText(row, later), printedAt(group, resource, object, later), `${resource}/${object.metadata.name} at +${later - T0} ms`);
    }
  }
});

test('the restarted pod keeps its AGE and its RESTARTS "(.. ago)" as age cells', () => {
  const row = rememberRow(printerFor('', 'pods')!, restartedPod, T0);
  assert.deepEqual(row.ages.map((a) => String(a)), ['3 (15s ago)', '30s']);
});

test('a row without time-dependent cells is one piece of text', () => {
  const configMap: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1' } };
  const row = rememberRow(printerFor('', 'configmaps')!, configMap, T0);
  // The configmap's AGE is <unknown> without a creationTimestamp: static text.
  assert.equal(row.ages.length, 0);
  assert.equal(rowCellsText(row, T0 + MINUTE), '{"cells":["c",1,"<unknown>"]');
});
