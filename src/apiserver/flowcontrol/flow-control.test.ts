import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify, FlowControl, type FlowRequest } from './flow-control.ts';

const nodeUser = { username: 'system:skiff-agent', groups: ['system:nodes', 'system:authenticated'] };
const kcm = { username: 'system:kube-controller-manager', groups: ['system:authenticated'] };

function req(user: FlowRequest['user'], resource: string, extra: Partial<FlowRequest> = {}): FlowRequest {
  return { user, verb: 'create', group: '', resource, ...extra };
}

test('requests are classified by the suggested FlowSchemas: system:masters exempt, nodes, control plane, others', () => {
  assert.equal(classify(req({ username: 'system:admin', groups: ['system:masters', 'system:authenticated'] }, 'configmaps')), 'exempt');
  assert.deepEqual(classify(req(nodeUser, 'leases', { group: 'coordination.k8s.io', verb: 'update' })), { level: 'node-high', flow: 'system:skiff-agent' });
  assert.deepEqual(classify(req(nodeUser, 'nodes', { verb: 'patch' })), { level: 'node-high', flow: 'system:skiff-agent' });
  assert.deepEqual(classify(req(nodeUser, 'pods', { verb: 'patch', namespace: 'a' })), { level: 'system', flow: 'system:skiff-agent' });
  assert.deepEqual(classify(req(kcm, 'leases', { group: 'coordination.k8s.io' })), { level: 'leader-election', flow: 'system:kube-controller-manager' });
  assert.deepEqual(classify(req(kcm, 'pods', { namespace: 'web' })), { level: 'workload-high', flow: 'system:kube-controller-manager/web' });
  assert.deepEqual(classify(req({ username: 'system:serviceaccount:a:b', groups: ['system:serviceaccounts', 'system:authenticated'] }, 'pods')), { level: 'workload-low', flow: 'system:serviceaccount:a:b' });
  assert.deepEqual(classify(req({ username: 'alice', groups: ['system:authenticated'] }, 'pods')), { level: 'global-default', flow: 'alice' });
  assert.deepEqual(classify(req(undefined, 'pods')), { level: 'catch-all', flow: 'system:anonymous' });
});

test('levels get their share of the server seats (600: workload-high 98, system 74), exempt requests take none', async () => {
  const fc = new FlowControl(600);
  const held = [];
  for (let i = 0; i < 98; i++) held.push(fc.admit(req(kcm, 'pods', { namespace: 'web' })));
  assert.ok(held.every((h) => typeof h === 'function'));
  assert.equal(fc.level('workload-high')!.inFlight, 98);
  const queued = fc.admit(req(kcm, 'pods', { namespace: 'web' }));
  assert.ok(queued instanceof Promise);
  // Another level and the exempt ones are not held up by the full one.
  assert.equal(typeof fc.admit(req(nodeUser, 'pods')), 'function');
  assert.equal(typeof fc.admit(req({ username: 'system:admin', groups: ['system:masters'] }, 'pods')), 'function');
  assert.equal(fc.level('system')!.inFlight, 1);
  (held[0] as () => void)();
  (await queued)();
  assert.equal(fc.level('workload-high')!.inFlight, 97);
});
