import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequestInfo, requestTarget } from './request-info.ts';

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

test('requestTarget splits path and query exactly as new URL() does', () => {
  const fixed = [
    '/', '/api/v1/namespaces/default/pods?limit=500&labelSelector=app%3Dx', '/api?', '/a??b=1', '/a?b=1#frag', '//host/x',
    '/a/./b', '/a/../b', '/a/%2e%2e/b', '/a\\b', '/a b?c d', '/a?x=%zz&y=+1', '/ü?ü=ü', '/a\t/b', '/api/v1/pods?watch=1&resourceVersion=0',
  ];
  const alphabet = ['a', 'Z', '0', '/', '.', '?', '&', '=', '%', '2', 'e', '+', '#', ' ', '\\', '"', "'", ':', '@', '~', '\t', 'ü', ';', ','];
  let seed = 7;
  const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  const generated = Array.from({ length: 3000 }, () => '/' + Array.from({ length: random(14) }, () => alphabet[random(alphabet.length)]).join(''));
  for (const target of [...fixed, ...generated]) {
    const url = new URL(target, 'https://skiff');
    const split = requestTarget(target);
    assert.equal(split.pathname, url.pathname, target);
    assert.deepEqual([...split.searchParams], [...url.searchParams], target);
  }
});
