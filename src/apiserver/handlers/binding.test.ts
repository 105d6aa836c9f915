import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApiServer, type TestApiServer, type TestReply } from '../test-server.ts';

/** pods/binding against an in-process API server over HTTPS, as the scheduler calls it. */
describe('pods/binding', () => {
  let api: TestApiServer;
  const call = (method: string, path: string, body?: unknown, contentType?: string): Promise<TestReply> => api.call(method, path, body, contentType);
  const createPod = async (name: string, extra: Record<string, unknown> = {}): Promise<any> => {
    const res = await call('POST', '/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name, ...extra }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    assert.equal(res.status, 201);
    return res.json();
  };
  const bind = (pod: string, body: Record<string, unknown>): Promise<TestReply> =>
    call('POST', `/api/v1/namespaces/default/pods/${pod}/binding`, { apiVersion: 'v1', kind: 'Binding', ...body });
  const getPod = async (name: string): Promise<any> => (await call('GET', `/api/v1/namespaces/default/pods/${name}`)).json();

  before(async () => {
    api = await startTestApiServer();
  });
  after(async () => {
    await api?.stop();
  });

  test('sets spec.nodeName, PodScheduled=True and the annotations in one write; managedFields stay as they were', async () => {
    const pod = await createPod('a');
    const res = await bind('a', { metadata: { name: 'a', uid: pod.metadata.uid, annotations: { 'example.com/by': 'test' } }, target: { kind: 'Node', name: 'n1' } });
    assert.equal(res.status, 201);
    assert.equal(res.json().status, 'Success');
    const bound = await getPod('a');
    assert.equal(bound.spec.nodeName, 'n1');
    assert.equal(bound.metadata.annotations['example.com/by'], 'test');
    assert.equal(Number(bound.metadata.resourceVersion) > Number(pod.metadata.resourceVersion), true);
    const scheduled = bound.status.conditions.filter((c: { type: string }) => c.type === 'PodScheduled');
    assert.equal(scheduled.length, 1);
    assert.equal(scheduled[0].status, 'True');
    assert.equal(scheduled[0].lastProbeTime, null);
    assert.deepEqual(bound.metadata.managedFields, pod.metadata.managedFields);
    // Everything the pod had before is still there (defaults included).
    assert.equal(bound.spec.restartPolicy, pod.spec.restartPolicy);
    assert.equal(bound.spec.containers[0].image, 'busybox');
  });

  test('replaces an existing PodScheduled=False condition in place', async () => {
    const pod = await createPod('b');
    const patched = (await call('PATCH', '/api/v1/namespaces/default/pods/b/status', { status: { conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: 'no nodes' }] } }, 'application/merge-patch+json')).status;
    assert.equal(patched, 200);
    assert.equal((await bind('b', { metadata: { name: 'b', uid: pod.metadata.uid }, target: { kind: 'Node', name: 'n1' } })).status, 201);
    const conditions = (await getPod('b')).status.conditions;
    assert.equal(conditions.length, 1);
    assert.equal(conditions[0].status, 'True');
    assert.equal(conditions[0].reason, undefined);
  });

  test('a bound pod, a wrong uid, a missing target and a missing pod are refused and change nothing', async () => {
    const pod = await createPod('c');
    const target = { kind: 'Node', name: 'n1' };
    const wrongUid = await bind('c', { metadata: { name: 'c', uid: 'not-the-uid' }, target });
    assert.equal(wrongUid.status, 409);
    assert.match(wrongUid.json().message, /Precondition failed: UID in precondition: not-the-uid/);
    const noTarget = await bind('c', { metadata: { name: 'c' }, target: {} });
    assert.equal(noTarget.status, 422);
    assert.equal(noTarget.json().reason, 'Invalid');
    const otherName = await bind('c', { metadata: { name: 'other' }, target });
    assert.equal(otherName.status, 400);
    assert.equal((await getPod('c')).metadata.resourceVersion, pod.metadata.resourceVersion);
    assert.equal((await bind('c', { metadata: { name: 'c' }, target })).status, 201);
    const again = await bind('c', { metadata: { name: 'c' }, target: { kind: 'Node', name: 'n2' } });
    assert.equal(again.status, 409);
    assert.match(again.json().message, /pod c is already assigned to node "n1"/);
    assert.equal((await getPod('c')).spec.nodeName, 'n1');
    assert.equal((await bind('missing', { metadata: { name: 'missing' }, target })).status, 404);
  });

  test('dryRun=All answers Success and writes nothing', async () => {
    const pod = await createPod('d');
    const res = await call('POST', '/api/v1/namespaces/default/pods/d/binding?dryRun=All', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'd' }, target: { kind: 'Node', name: 'n1' } });
    assert.equal(res.status, 201);
    const after = await getPod('d');
    assert.equal(after.spec.nodeName, undefined);
    assert.equal(after.metadata.resourceVersion, pod.metadata.resourceVersion);
  });
});
