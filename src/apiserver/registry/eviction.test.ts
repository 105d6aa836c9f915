import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApiServer, type TestApiServer, type TestReply } from '../test-server.ts';

const PODS = '/api/v1/namespaces/default/pods';
const PDBS = '/apis/policy/v1/namespaces/default/poddisruptionbudgets';

/** The eviction subresource over an in-process API server on the memory store. */
describe('pods/eviction', () => {
  let api: TestApiServer;
  const call = (method: string, path: string, body?: unknown): Promise<TestReply> => api.call(method, path, body);

  /** Reads an object and replaces its status through the status subresource. */
  const putStatus = async (path: string, status: unknown): Promise<void> => {
    const current = (await call('GET', path)).json();
    const reply = await call('PUT', `${path}/status`, { ...current, status });
    assert.equal(reply.status, 200, JSON.stringify(reply.json()));
  };

  const createPod = async (name: string, phase: string, ready: boolean, app = 'web'): Promise<void> => {
    const created = await call('POST', PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
    assert.equal(created.status, 201, JSON.stringify(created.json()));
    await putStatus(`${PODS}/${name}`, { phase, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] });
  };

  const createPdb = async (name: string, status: Record<string, number>, app = 'web'): Promise<void> => {
    const created = await call('POST', PDBS, { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name }, spec: { minAvailable: 1, selector: { matchLabels: { app } } } });
    assert.equal(created.status, 201, JSON.stringify(created.json()));
    await putStatus(`${PDBS}/${name}`, { observedGeneration: 1, expectedPods: 1, ...status });
  };

  const evict = (pod: string, extra: object = {}) =>
    call('POST', `${PODS}/${pod}/eviction`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod, namespace: 'default' }, ...extra });

  before(async () => {
    api = await startTestApiServer();
  });
  after(async () => {
    await api?.stop();
  });

  test('refuses with 429 while the budget allows no disruption, then evicts once it does', async () => {
    await createPod('web-1', 'Running', true);
    await createPdb('web-pdb', { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1 });
    const refused = await evict('web-1');
    assert.equal(refused.status, 429);
    const status = refused.json();
    assert.equal(status.reason, 'TooManyRequests');
    assert.equal(status.message, "Cannot evict pod as it would violate the pod's disruption budget.");
    assert.deepEqual(status.details.causes, [{ reason: 'DisruptionBudget', message: 'The disruption budget web-pdb needs 1 healthy pods and has 1 currently' }]);
    assert.equal((await call('GET', `${PODS}/web-1`)).status, 200);

    await putStatus(`${PDBS}/web-pdb`, { observedGeneration: 1, expectedPods: 2, disruptionsAllowed: 1, currentHealthy: 2, desiredHealthy: 1 });
    const evicted = await evict('web-1');
    assert.equal(evicted.status, 201, JSON.stringify(evicted.json()));
    assert.equal(evicted.json().status, 'Success');
    // Not bound to a node, so the pod goes at once.
    assert.equal((await call('GET', `${PODS}/web-1`)).status, 404);
    const pdb = (await call('GET', `${PDBS}/web-pdb`)).json();
    assert.equal(pdb.status.disruptionsAllowed, 0);
    assert.ok(pdb.status.disruptedPods['web-1']);
    const condition = pdb.status.conditions.find((c: { type: string }) => c.type === 'DisruptionAllowed');
    assert.equal(condition.status, 'False');
    assert.equal(condition.reason, 'InsufficientPods');
  });

  test('a bound pod gets a deletionTimestamp and the DisruptionTarget condition', async () => {
    const created = await call('POST', PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bound', labels: { app: 'bound' } }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'nginx' }] } });
    assert.equal(created.status, 201);
    await putStatus(`${PODS}/bound`, { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] });
    await createPdb('bound-pdb', { disruptionsAllowed: 1, currentHealthy: 1, desiredHealthy: 0 }, 'bound');
    assert.equal((await evict('bound', { deleteOptions: { gracePeriodSeconds: 5 } })).status, 201);
    const pod = (await call('GET', `${PODS}/bound`)).json();
    assert.ok(pod.metadata.deletionTimestamp);
    assert.equal(pod.metadata.deletionGracePeriodSeconds, 5);
    const target = pod.status.conditions.find((c: { type: string }) => c.type === 'DisruptionTarget');
    assert.deepEqual([target.status, target.reason, target.message], ['True', 'EvictionByEvictionAPI', 'Eviction API: evicting']);
  });

  test('pending pods are deleted without consulting the budget', async () => {
    await createPod('pending-1', 'Pending', false, 'pend');
    await createPdb('pend-pdb', { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 1 }, 'pend');
    assert.equal((await evict('pending-1')).status, 201);
    assert.equal((await call('GET', `${PODS}/pending-1`)).status, 404);
  });

  test('an unready pod is evicted without spending budget while the budget is met', async () => {
    await createPod('sick-1', 'Running', false, 'sick');
    await createPdb('sick-pdb', { disruptionsAllowed: 0, currentHealthy: 2, desiredHealthy: 2 }, 'sick');
    assert.equal((await evict('sick-1')).status, 201);
    assert.equal((await call('GET', `${PODS}/sick-1`)).status, 404);
    assert.equal((await call('GET', `${PDBS}/sick-pdb`)).json().status.disruptedPods, undefined);
  });

  test('a pod under two budgets gets a 500 Status', async () => {
    await createPod('two-1', 'Running', true, 'two');
    await createPdb('two-a', { disruptionsAllowed: 1, currentHealthy: 1, desiredHealthy: 0 }, 'two');
    await createPdb('two-b', { disruptionsAllowed: 1, currentHealthy: 1, desiredHealthy: 0 }, 'two');
    const reply = await evict('two-1');
    assert.equal(reply.status, 500);
    assert.equal(reply.json().message, 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
    assert.equal((await call('GET', `${PODS}/two-1`)).status, 200);
  });

  test('a PDB the controller has not observed yet answers 429 with retry advice', async () => {
    await createPod('new-1', 'Running', true, 'new');
    await createPdb('new-pdb', { observedGeneration: 0, disruptionsAllowed: 1, currentHealthy: 1, desiredHealthy: 0 }, 'new');
    const reply = await evict('new-1');
    assert.equal(reply.status, 429);
    assert.equal(reply.json().details.retryAfterSeconds, 10);
    assert.equal(reply.json().details.causes[0].message, 'The disruption budget new-pdb is still being processed by the server.');
  });

  test('a name that differs from the URL is a 400, a missing pod a 404', async () => {
    const mismatch = await call('POST', `${PODS}/x/eviction`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'y' } });
    assert.equal(mismatch.status, 400);
    assert.equal(mismatch.json().message, 'name in URL does not match name in Eviction object');
    assert.equal((await evict('missing')).status, 404);
  });
});
