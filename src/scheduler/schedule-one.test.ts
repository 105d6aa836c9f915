import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FitError } from './fit-error.ts';
import { numFeasibleNodesToFind } from './schedule-one.ts';
import { makeNode, makePod, makeScheduler, scheduleOnce } from './testing.ts';

describe('numFeasibleNodesToFind', () => {
  test('all nodes below 100, adaptive percentage above, never below 100', () => {
    assert.equal(numFeasibleNodesToFind(0, 50), 50);
    assert.equal(numFeasibleNodesToFind(0, 100), 100);
    assert.equal(numFeasibleNodesToFind(0, 1000), 420); // 50 - 8 = 42%
    assert.equal(numFeasibleNodesToFind(0, 5000), 500); // 50 - 40 = 10%
    assert.equal(numFeasibleNodesToFind(0, 6000), 300); // 50 - 48 -> floor 5%
    assert.equal(numFeasibleNodesToFind(10, 500), 100);
    assert.equal(numFeasibleNodesToFind(100, 500), 500);
  });
});

describe('scheduleOne', () => {
  test('FitError counts reasons per node, sorted, with the preemption suffix', () => {
    const nodes = [makeNode('a', { cpu: '1' }), makeNode('b', { cpu: '1' }), makeNode('c', { cpu: '1' })];
    const msg = scheduleOnce(nodes, [], makePod('p', { cpu: '2' }));
    assert.equal(msg, '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod..');
  });
  test('mixed reasons: untolerated taint is unresolvable, so preemption is not helpful there', () => {
    const nodes = [
      makeNode('a', { cpu: '1', taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }),
      makeNode('b', { cpu: '1' }),
      makeNode('c', { cpu: '1', unschedulable: true }),
    ];
    const msg = scheduleOnce(nodes, [], makePod('p', { cpu: '2' }));
    assert.equal(
      msg,
      '0/3 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {dedicated: gpu}, 1 node(s) were unschedulable. ' +
        'preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling..',
    );
  });
  test('several insufficient resources on one node each count', () => {
    const nodes = [makeNode('a', { cpu: '1', memory: '1Gi', pods: '0' })];
    const msg = scheduleOnce(nodes, [], makePod('p', { cpu: '2', memory: '2Gi' }), { profile: { schedulerName: 'x', plugins: [{ name: 'NodeResourcesFit' }] } });
    assert.equal(msg, '0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory, 1 Too many pods.');
  });
  test('a PreFilter rejection is reported once', () => {
    const msg = scheduleOnce([makeNode('a'), makeNode('b')], [], makePod('p', { spec: { containers: [{ name: 'c' }], volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'data' } }] } }), {
      handle: { pvcs: { get: () => ({ spec: {} }) } },
    });
    assert.equal(msg, '0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling..');
  });
  test('no nodes at all', () => {
    assert.equal(scheduleOnce([], [], makePod('p')), 'no nodes available to schedule pods');
  });
  test('picks the least allocated node and assumes the pod there', () => {
    const nodes = [makeNode('busy'), makeNode('idle')];
    const { algorithm, snapshot } = makeScheduler(nodes, [makePod('x', { cpu: '3', memory: '8Gi', nodeName: 'busy' })]);
    const out = algorithm.scheduleOne(makePod('p', { cpu: '100m' }));
    assert.equal(out.kind, 'scheduled');
    assert.equal(out.kind === 'scheduled' && out.nodeName, 'idle');
    assert.equal(snapshot.get('idle')!.pods.length, 1);
    assert.equal(snapshot.isAssumed(makePod('p')), true);
  });
  test('filters a sample and resumes the scan where the last cycle stopped', () => {
    const nodes = Array.from({ length: 1000 }, (_, i) => makeNode(`n${i}`));
    const { algorithm } = makeScheduler(nodes);
    const first = algorithm.scheduleOne(makePod('p1'));
    assert.equal(first.kind === 'scheduled' && first.evaluatedNodes, 420);
    assert.equal(algorithm.nextStartNodeIndex, 420);
    algorithm.scheduleOne(makePod('p2'));
    assert.equal(algorithm.nextStartNodeIndex, 840);
    algorithm.scheduleOne(makePod('p3'));
    assert.equal(algorithm.nextStartNodeIndex, 260);
  });
  test('ties are broken at random among the best nodes', () => {
    const nodes = ['a', 'b', 'c'].map((n) => makeNode(n));
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const { algorithm } = makeScheduler(nodes);
      const out = algorithm.scheduleOne(makePod(`p${i}`));
      if (out.kind === 'scheduled') seen.add(out.nodeName);
    }
    assert.equal(seen.size, 3);
  });
  test('binding failure forgets the assumed pod; success finishes binding', async () => {
    let fail = true;
    const { algorithm, snapshot } = makeScheduler([makeNode('a')], [], {
      handle: { binder: { bind: async () => { if (fail) throw new Error('conflict'); } } },
    });
    const out = algorithm.scheduleOne(makePod('p', { cpu: '1' }));
    assert.equal(out.kind, 'scheduled');
    if (out.kind !== 'scheduled') return;
    const status = await algorithm.bind(out);
    assert.equal(status?.message(), 'conflict');
    assert.equal(snapshot.get('a')!.requested.milliCPU, 0);
    fail = false;
    const again = algorithm.scheduleOne(makePod('p', { cpu: '1' }));
    assert.equal(again.kind === 'scheduled' && (await algorithm.bind(again)), null);
    assert.equal(snapshot.get('a')!.requested.milliCPU, 1000);
  });
  test('FitError exposes the unschedulable plugins for requeueing', () => {
    const { algorithm } = makeScheduler([makeNode('a', { cpu: '1' })]);
    const out = algorithm.scheduleOne(makePod('p', { cpu: '2' }));
    assert.equal(out.kind, 'unschedulable');
    assert.ok(out.kind === 'unschedulable' && out.error instanceof FitError);
    assert.deepEqual(out.kind === 'unschedulable' && [...out.unschedulablePlugins], ['NodeResourcesFit']);
  });
});
