import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { NOTE_LENGTH_LIMIT, schedulingFailurePatch, truncateMessage, withCondition } from './pod-status.ts';
import { makePod } from './testing.ts';

describe('pod status on scheduling failure', () => {
  test('truncateMessage cuts at the note length limit with " ..."', () => {
    assert.equal(truncateMessage('short'), 'short');
    const long = 'x'.repeat(2000);
    const cut = truncateMessage(long);
    assert.equal(cut.length, NOTE_LENGTH_LIMIT);
    assert.ok(cut.endsWith('x ...'));
  });

  test('withCondition keeps lastTransitionTime when the status is unchanged, and reports no change when equal', () => {
    const old = [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: 'a', lastProbeTime: null, lastTransitionTime: 't1' }];
    assert.equal(withCondition(old, { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: 'a' }, 't2'), null);
    const changed = withCondition(old, { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: 'b' }, 't2')!;
    assert.deepEqual(changed, [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: 'b', lastProbeTime: null, lastTransitionTime: 't1' }]);
    const flipped = withCondition(old, { type: 'PodScheduled', status: 'True' }, 't2')!;
    assert.equal(flipped[0].lastTransitionTime, 't2');
  });

  test('schedulingFailurePatch adds the condition beside others, sets or clears nominatedNodeName, or returns null', () => {
    const pod = { ...makePod('p'), status: { conditions: [{ type: 'Other', status: 'True' }], nominatedNodeName: 'n1' } };
    const patch = schedulingFailurePatch(pod, 'Unschedulable', 'msg', 'n2', 'now')!;
    assert.deepEqual(patch.status, {
      conditions: [{ type: 'Other', status: 'True' }, { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: 'msg', lastProbeTime: null, lastTransitionTime: 'now' }],
      nominatedNodeName: 'n2',
    });
    const applied = { ...pod, status: { conditions: patch.status.conditions, nominatedNodeName: 'n2' } };
    assert.equal(schedulingFailurePatch(applied, 'Unschedulable', 'msg', undefined), null);
    assert.equal(schedulingFailurePatch(applied, 'Unschedulable', 'msg', 'n2'), null);
    assert.deepEqual(schedulingFailurePatch(applied, 'Unschedulable', 'msg', ''), { status: { nominatedNodeName: null } });
  });
});
