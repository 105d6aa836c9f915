import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApiServer, type TestApiServer, type TestReply } from '../test-server.ts';

const MERGE = 'application/merge-patch+json';

/** Status-only merge patches of status subresources (kubelets' and controllers' writes) take a path without copies; same answers as the generic one. */
describe('status-only merge patch of a status subresource', () => {
  let api: TestApiServer;
  const call = (method: string, path: string, body?: unknown, contentType?: string): Promise<TestReply> => api.call(method, path, body, contentType);
  const createPod = async (name: string): Promise<any> => {
    const res = await call('POST', '/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox' }] } });
    assert.equal(res.status, 201);
    return res.json();
  };
  const patchStatus = (name: string, body: unknown, query = ''): Promise<TestReply> => call('PATCH', `/api/v1/namespaces/default/pods/${name}/status${query}`, body, MERGE);
  const getPod = async (name: string): Promise<any> => (await call('GET', `/api/v1/namespaces/default/pods/${name}`)).json();
  const running = (ip: string) => ({
    phase: 'Running',
    podIP: ip,
    podIPs: [{ ip }],
    conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }],
    containerStatuses: [{ name: 'c', ready: true, restartCount: 0, image: 'docker.io/library/busybox:latest', imageID: '', state: { running: { startedAt: '2026-01-01T00:00:00Z' } } }],
  });
  /** managedFields without their timestamps, for comparing two pods written at different times. */
  const ownership = (pod: any) => pod.metadata.managedFields.map((e: Record<string, unknown>) => ({ ...e, time: undefined }));

  before(async () => {
    api = await startTestApiServer();
  });
  after(async () => {
    await api?.stop();
  });

  test('gives the same pod as the generic path: status, managedFields of the writer, spec and metadata untouched', async () => {
    const a = await createPod('same-a');
    await createPod('same-b');
    // The extra metadata field sends pod b down the generic PATCH path (status writes ignore metadata).
    const fast = await patchStatus('same-a', { metadata: { uid: a.metadata.uid }, status: running('10.42.0.5') });
    const generic = await patchStatus('same-b', { metadata: { annotations: { x: 'y' } }, status: running('10.42.0.5') });
    assert.equal(fast.status, 200);
    assert.equal(generic.status, 200);
    const [pa, pb] = [fast.json(), generic.json()];
    assert.deepEqual(pa.status, pb.status);
    assert.deepEqual(pa.spec, pb.spec);
    assert.deepEqual(ownership(pa), ownership(pb));
    assert.ok(pa.metadata.managedFields.some((e: { subresource?: string }) => e.subresource === 'status'));
    assert.equal(pa.metadata.annotations, undefined);
    assert.equal(Number(pa.metadata.resourceVersion) > Number(a.metadata.resourceVersion), true);
    // A second write (the containers exit) agrees too, and the stored pod is what the response said.
    const exited = { phase: 'Succeeded', containerStatuses: [{ name: 'c', ready: false, restartCount: 0, image: 'docker.io/library/busybox:latest', imageID: '', state: { terminated: { exitCode: 0, reason: 'Completed' } } }] };
    const fast2 = (await patchStatus('same-a', { status: exited })).json();
    const generic2 = (await patchStatus('same-b', { metadata: { annotations: { x: 'y' } }, status: exited })).json();
    assert.deepEqual(fast2.status, generic2.status);
    assert.deepEqual(ownership(fast2), ownership(generic2));
    assert.deepEqual((await getPod('same-a')).status, fast2.status);
  });

  test('a uid or resourceVersion that does not match is 409 Conflict and changes nothing', async () => {
    const pod = await createPod('pre');
    const wrongUid = await patchStatus('pre', { metadata: { uid: 'not-the-uid' }, status: { phase: 'Running' } });
    assert.equal(wrongUid.status, 409);
    assert.equal(wrongUid.json().reason, 'Conflict');
    assert.match(wrongUid.json().message, /Precondition failed: UID in precondition: not-the-uid/);
    const staleRv = await patchStatus('pre', { metadata: { resourceVersion: '1' }, status: { phase: 'Running' } });
    assert.equal(staleRv.status, 409);
    const now = await getPod('pre');
    assert.equal(now.metadata.resourceVersion, pod.metadata.resourceVersion);
    assert.equal(now.status.phase, 'Pending');
  });

  test('an unchanged status is not written; dry run is not stored; a missing pod is 404', async () => {
    const pod = await createPod('noop');
    const same = await patchStatus('noop', { status: { phase: pod.status.phase } });
    assert.equal(same.status, 200);
    assert.equal(same.json().metadata.resourceVersion, pod.metadata.resourceVersion);
    const dry = await patchStatus('noop', { status: { phase: 'Running' } }, '?dryRun=All');
    assert.equal(dry.status, 200);
    assert.equal(dry.json().status.phase, 'Running');
    assert.equal((await getPod('noop')).status.phase, 'Pending');
    assert.equal((await patchStatus('absent', { status: { phase: 'Running' } })).status, 404);
  });

  test('unknown status fields are refused under Strict field validation and reported under Warn', async () => {
    await createPod('checked');
    const strict = await patchStatus('checked', { status: { phase: 'Running', bogus: 1 } }, '?fieldValidation=Strict');
    assert.equal(strict.status, 400);
    assert.match(strict.json().message, /bogus/);
    assert.equal((await getPod('checked')).status.phase, 'Pending');
    const warned = await patchStatus('checked', { status: { phase: 'Running', bogus: 1 } });
    assert.equal(warned.status, 200);
    assert.match(String(warned.headers.warning ?? ''), /bogus/);
  });
  test('any status subresource takes it: a Node status patch keeps spec, records the writer, refuses a stale resourceVersion', async () => {
    const created = await call('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'status-node' }, spec: { podCIDR: '10.42.9.0/24' } });
    assert.equal(created.status, 201);
    const before = created.json();
    const res = await call('PATCH', '/api/v1/nodes/status-node/status?fieldManager=kubelet', { status: { conditions: [{ type: 'Ready', status: 'True' }] } }, MERGE);
    assert.equal(res.status, 200);
    const node = res.json();
    assert.deepEqual(node.status.conditions.map((c: { type: string; status: string }) => [c.type, c.status]), [['Ready', 'True']]);
    assert.deepEqual(node.spec, before.spec);
    assert.ok(node.metadata.managedFields.some((e: { manager: string; subresource?: string }) => e.manager === 'kubelet' && e.subresource === 'status'));
    const stale = await call('PATCH', '/api/v1/nodes/status-node/status', { metadata: { resourceVersion: before.metadata.resourceVersion }, status: { phase: 'Pending' } }, MERGE);
    assert.equal(stale.status, 409);
    assert.equal(stale.json().details.kind, 'nodes');
  });
});
