import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequestInfo } from './request-info.ts';

const q = (s = '') => new URLSearchParams(s);

test('namespaced object with subresource', () => {
  assert.deepEqual(parseRequestInfo('PUT', '/api/v1/namespaces/default/pods/nginx/status', q()), {
    isResourceRequest: true, verb: 'update', group: '', version: 'v1', namespace: 'default', resource: 'pods', name: 'nginx', subresource: 'status', rest: [],
  });
});

test('named group collection, list vs watch', () => {
  const list = parseRequestInfo('GET', '/apis/apps/v1/namespaces/x/deployments', q());
  assert.equal(list?.isResourceRequest && list.verb, 'list');
  const watch = parseRequestInfo('GET', '/apis/apps/v1/deployments', q('watch=true'));
  assert.equal(watch?.isResourceRequest && watch.verb, 'watch');
  assert.equal(watch?.isResourceRequest && watch.namespace, undefined);
});

test('the namespace object itself and its subresources', () => {
  const ns = parseRequestInfo('GET', '/api/v1/namespaces/kube-system', q());
  assert.ok(ns?.isResourceRequest);
  assert.equal(ns.resource, 'namespaces');
  assert.equal(ns.name, 'kube-system');
  const fin = parseRequestInfo('PUT', '/api/v1/namespaces/gone/finalize', q());
  assert.ok(fin?.isResourceRequest);
  assert.equal(fin.subresource, 'finalize');
});

test('legacy /watch/ prefix, deletecollection, non-resource paths, bad methods', () => {
  const w = parseRequestInfo('GET', '/api/v1/watch/namespaces/default/pods/p', q());
  assert.ok(w?.isResourceRequest);
  assert.equal(w.verb, 'watch');
  assert.equal(w.name, 'p');
  const dc = parseRequestInfo('DELETE', '/api/v1/namespaces/default/configmaps', q());
  assert.equal(dc?.isResourceRequest && dc.verb, 'deletecollection');
  assert.deepEqual(parseRequestInfo('GET', '/apis/apps/v1', q()), { isResourceRequest: false, path: '/apis/apps/v1' });
  assert.equal(parseRequestInfo('OPTIONS', '/api/v1/pods', q()), undefined);
});
