import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Snapshot } from './snapshot.ts';
import { makeNode, makePod } from './testing.ts';

describe('snapshot', () => {
  test('pods are accounted incrementally on their node', () => {
    const s = new Snapshot();
    s.setNode(makeNode('n1'));
    s.setPod(makePod('a', { cpu: '1', nodeName: 'n1' }));
    s.setPod(makePod('b', { cpu: '500m', nodeName: 'n1', spec: { containers: [{ name: 'c', ports: [{ containerPort: 80, hostPort: 8080 }] }] } }));
    const n = s.get('n1')!;
    assert.equal(n.pods.length, 2);
    assert.equal(n.requested.milliCPU, 1000);
    assert.equal(n.nonZeroMilliCPU, 1100);
    assert.equal(n.usedPorts.conflicts({ ip: '0.0.0.0', protocol: 'TCP', port: 8080 }), true);
    s.removePod(makePod('b'));
    assert.equal(n.pods.length, 1);
    assert.equal(n.usedPorts.conflicts({ ip: '0.0.0.0', protocol: 'TCP', port: 8080 }), false);
  });
  test('unbound and terminal pods are not tracked; a pod turning terminal is removed', () => {
    const s = new Snapshot();
    s.setNode(makeNode('n1'));
    s.setPod(makePod('pending'));
    const p = makePod('a', { cpu: '1', nodeName: 'n1' });
    s.setPod(p);
    assert.equal(s.get('n1')!.pods.length, 1);
    s.setPod({ ...p, status: { phase: 'Succeeded' } });
    assert.equal(s.get('n1')!.pods.length, 0);
  });
  test('assumed pods count at once, are forgotten on failure and confirmed by the bound pod', () => {
    const s = new Snapshot();
    s.setNode(makeNode('n1'));
    s.setNode(makeNode('n2'));
    const p = makePod('a', { cpu: '1' });
    s.assumePod(p, 'n1');
    assert.equal(s.isAssumed(p), true);
    assert.equal(s.get('n1')!.requested.milliCPU, 1000);
    s.forgetPod(p);
    assert.equal(s.get('n1')!.requested.milliCPU, 0);
    s.assumePod(p, 'n1');
    s.finishBinding(p);
    // The bound pod arrives (on another node than assumed: the cache moves it).
    s.setPod({ ...p, spec: { ...p.spec!, nodeName: 'n2' } });
    assert.equal(s.isAssumed(p), false);
    assert.equal(s.get('n1')!.requested.milliCPU, 0);
    assert.equal(s.get('n2')!.requested.milliCPU, 1000);
    assert.throws(() => s.assumePod(p, 'n1'));
  });
  test('node removal keeps the list consistent and affinity lists follow pods', () => {
    const s = new Snapshot();
    for (const n of ['a', 'b', 'c']) s.setNode(makeNode(n));
    s.removeNode('a');
    assert.deepEqual(s.nodeInfoList().map((n) => n.name).sort(), ['b', 'c']);
    assert.equal(s.get('a'), undefined);
    const anti = makePod('x', { nodeName: 'c', spec: { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: {} }] } } } });
    s.setPod(anti);
    assert.deepEqual(s.havePodsWithRequiredAntiAffinityList().map((n) => n.name), ['c']);
    s.removePod(anti);
    assert.deepEqual(s.havePodsWithRequiredAntiAffinityList().map((n) => n.name), []);
    s.setNode(makeNode('a', { cpu: '8' }));
    assert.equal(s.get('a')!.allocatable.milliCPU, 8000);
    assert.equal(s.numNodes, 3);
  });
});
