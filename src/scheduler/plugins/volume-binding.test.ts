import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeNode, makePod, makeScheduler, scheduleOnce } from '../testing.ts';

const withClaim = makePod('p', { spec: { containers: [], volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'data' } }] } });
const opts = (pvc: object | undefined, mode?: string) => ({
  profile: { schedulerName: 't', plugins: [{ name: 'VolumeBinding' }] },
  handle: { pvcs: { get: () => pvc as never }, storageClasses: { get: () => ({ volumeBindingMode: mode }) } },
});

test('VolumeBinding: unbound Immediate claims wait, bound and WaitForFirstConsumer claims pass', () => {
  const nodes = [makeNode('a')];
  assert.equal(scheduleOnce(nodes, [], withClaim, opts({ spec: {} })), '0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims.');
  assert.equal(scheduleOnce(nodes, [], withClaim, opts(undefined)), '0/1 nodes are available: persistentvolumeclaim "data" not found.');
  assert.equal(scheduleOnce(nodes, [], withClaim, opts({ spec: { volumeName: 'pv1' } })), 'a');
  assert.equal(scheduleOnce(nodes, [], withClaim, opts({ spec: { storageClassName: 'local' } }, 'WaitForFirstConsumer')), 'a');
  void makeScheduler;
});
