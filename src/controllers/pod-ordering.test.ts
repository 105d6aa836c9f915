import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { nowTimestamp } from '../api/object.ts';
import { POD_DELETION_COST, podsToDelete } from './pod-ordering.ts';
import { pod } from './workload-fixtures.ts';

const names = (pods: { metadata: { name?: string } }[]): string[] => pods.map((p) => p.metadata.name!);
const ago = (ms: number): string => nowTimestamp(new Date(Date.now() - ms));

describe('podsToDelete (ActivePodsWithRanks)', () => {
  test('unassigned < Pending < Unknown < Running, then not ready < ready', () => {
    const pods = [
      pod('running-ready', { nodeName: 'n', ready: true }),
      pod('running', { nodeName: 'n' }),
      pod('unknown', { nodeName: 'n', phase: 'Unknown' }),
      pod('pending', { nodeName: 'n', phase: 'Pending' }),
      pod('unassigned', { phase: 'Running', ready: true }),
    ];
    assert.deepEqual(names(podsToDelete(pods, pods, 4)), ['unassigned', 'pending', 'unknown', 'running']);
  });

  test('lower deletion cost first, then pods doubled up on a node', () => {
    const cheap = pod('cheap', { nodeName: 'c', ready: true });
    cheap.metadata.annotations = { [POD_DELETION_COST]: '-10' };
    const pods = [pod('alone', { nodeName: 'a', ready: true }), pod('double1', { nodeName: 'b', ready: true }), cheap];
    const related = [...pods, pod('double2', { nodeName: 'b', ready: true })];
    assert.deepEqual(names(podsToDelete(pods, related, 2)), ['cheap', 'double1']);
  });

  test('recently ready first (log scale), then more restarts, then newer', () => {
    const pods = [
      pod('old-ready', { nodeName: 'n', ready: true, readySince: ago(3600_000) }),
      pod('new-ready', { nodeName: 'n', ready: true, readySince: ago(10_000) }),
    ];
    assert.deepEqual(names(podsToDelete(pods, pods, 1)), ['new-ready']);
    const same = ago(3600_000);
    const restarts = [pod('calm', { nodeName: 'n', ready: true, readySince: same }), pod('crashy', { nodeName: 'n', ready: true, readySince: same, restarts: 5 })];
    assert.deepEqual(names(podsToDelete(restarts, restarts, 1)), ['crashy']);
    const ages = [pod('older', { nodeName: 'n', created: ago(86_400_000) }), pod('newer', { nodeName: 'n', created: ago(5_000) })];
    assert.deepEqual(names(podsToDelete(ages, ages, 1)), ['newer']);
  });

  test('returns every pod when asked for at least as many', () => {
    const pods = [pod('a'), pod('b')];
    assert.equal(podsToDelete(pods, pods, 5).length, 2);
  });
});
