import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ApiMetrics, reportedVerb, type RequestLabels } from './metrics.ts';

const podsList: RequestLabels = { verb: 'LIST', group: '', version: 'v1', resource: 'pods', subresource: '', scope: 'namespace' };

describe('ApiMetrics', () => {
  test('exposes every metric under its Kubernetes name, in the Prometheus text format', async () => {
    const metrics = new ApiMetrics({ processMetrics: false });
    metrics.observeRequest(podsList, 0.003, 200);
    metrics.observeStorage('list', 'pods', 0.001);
    metrics.watchers({ group: 'apps', version: 'v1', kind: 'Deployment' }, 1);
    metrics.longRunningRequests({ ...podsList, verb: 'WATCH' }, 1);
    metrics.setObjectCount('pods', 3);
    const { contentType, body } = await metrics.text();
    assert.match(contentType, /^text\/plain; version=0\.0\.4/);
    for (const name of [
      'apiserver_request_total',
      'apiserver_request_duration_seconds',
      'apiserver_longrunning_requests',
      'apiserver_registered_watchers',
      'etcd_request_duration_seconds',
      'apiserver_storage_objects',
    ]) {
      assert.match(body, new RegExp(`^# TYPE ${name} `, 'm'), name);
    }
  });

  test('counts requests by the Kubernetes label set, code included', async () => {
    const metrics = new ApiMetrics({ processMetrics: false });
    metrics.observeRequest(podsList, 0.003, 200);
    metrics.observeRequest(podsList, 0.3, 200);
    metrics.observeRequest({ ...podsList, verb: 'POST', dry_run: 'All' }, 0.01, 201);
    const { body } = await metrics.text();
    assert.ok(
      body.includes('apiserver_request_total{verb="LIST",dry_run="",group="",version="v1",resource="pods",subresource="",scope="namespace",component="apiserver",code="200"} 2'),
      body,
    );
    assert.ok(body.includes('apiserver_request_total{verb="POST",dry_run="All",group="",version="v1",resource="pods",subresource="",scope="namespace",component="apiserver",code="201"} 1'));
    // Kubernetes' buckets: 0.005 holds the 3 ms request, 0.4 both list requests.
    assert.ok(body.includes('apiserver_request_duration_seconds_bucket{le="0.005",verb="LIST",dry_run="",group="",version="v1",resource="pods",subresource="",scope="namespace",component="apiserver"} 1'));
    assert.ok(body.includes('apiserver_request_duration_seconds_bucket{le="0.4",verb="LIST",dry_run="",group="",version="v1",resource="pods",subresource="",scope="namespace",component="apiserver"} 2'));
    assert.ok(body.includes('apiserver_request_duration_seconds_bucket{le="60",'));
  });

  test('watchers and long-running gauges go up and down; object counts are set', async () => {
    const metrics = new ApiMetrics({ processMetrics: false });
    const gvk = { group: '', version: 'v1', kind: 'Pod' };
    metrics.watchers(gvk, 1);
    metrics.watchers(gvk, 1);
    metrics.watchers(gvk, -1);
    metrics.setObjectCount('deployments.apps', 7);
    metrics.setObjectCount('deployments.apps', 5);
    metrics.observeStorage('get', 'pods', 0.02);
    const { body } = await metrics.text();
    assert.ok(body.includes('apiserver_registered_watchers{group="",version="v1",kind="Pod"} 1'));
    assert.ok(body.includes('apiserver_storage_objects{resource="deployments.apps"} 5'));
    assert.ok(body.includes('etcd_request_duration_seconds_count{operation="get",type="pods"} 1'));
  });

  test('process metrics are on by default, and registries are independent', async () => {
    const a = new ApiMetrics();
    const b = new ApiMetrics({ processMetrics: false });
    a.observeRequest(podsList, 0.001, 200);
    assert.match((await a.text()).body, /^process_cpu_user_seconds_total /m);
    const other = (await b.text()).body;
    assert.doesNotMatch(other, /process_cpu/);
    assert.doesNotMatch(other, /apiserver_request_total\{/);
  });
});

describe('reportedVerb', () => {
  test('maps request verbs to the verbs Kubernetes metrics report', () => {
    assert.equal(reportedVerb('get'), 'GET');
    assert.equal(reportedVerb('list'), 'LIST');
    assert.equal(reportedVerb('watch'), 'WATCH');
    assert.equal(reportedVerb('create'), 'POST');
    assert.equal(reportedVerb('update'), 'PUT');
    assert.equal(reportedVerb('patch', 'application/merge-patch+json'), 'PATCH');
    assert.equal(reportedVerb('patch', 'application/apply-patch+yaml'), 'APPLY');
    assert.equal(reportedVerb('deletecollection'), 'DELETECOLLECTION');
  });
});
