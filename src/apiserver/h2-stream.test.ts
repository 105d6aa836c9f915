import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { constants } from 'node:http2';
import { servedOnStream } from './h2-stream.ts';
import { startTestApiServer, type TestApiServer } from './test-server.ts';

test('servedOnStream takes short resource requests and leaves watches, streaming subresources and other paths to the compatibility layer', () => {
  const on = (path: string) => servedOnStream({ ':path': path });
  assert.equal(on('/api/v1/namespaces/default/configmaps'), true);
  assert.equal(on('/apis/apps/v1/namespaces/default/deployments/web?fieldManager=kubectl'), true);
  assert.equal(on('/api/v1/namespaces/default/pods/p/status'), true);
  assert.equal(on('/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=5'), false);
  assert.equal(on('/api/v1/watch/namespaces/default/pods'), false);
  for (const sub of ['log', 'exec', 'attach', 'portforward', 'proxy']) assert.equal(on(`/api/v1/namespaces/default/pods/p/${sub}?container=c`), false, sub);
  assert.equal(on('/api/v1/namespaces/default/services/s/proxy/healthz'), false);
  assert.equal(on('/healthz'), false);
  assert.equal(on('/openapi/v2'), false);
  assert.equal(on('/version'), false);
});

describe('HTTP/2 requests served on the stream', () => {
  let server: TestApiServer;
  before(async () => {
    server = await startTestApiServer();
  });
  after(async () => {
    await server.stop();
  });

  test('a create answers 201 with the headers the compatibility layer sent (type, length, cache-control, date)', async () => {
    const reply = await server.call('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'h2' }, data: { a: 'b' } });
    assert.equal(reply.status, 201);
    assert.equal(reply.headers['content-type'], 'application/json');
    assert.equal(reply.headers['cache-control'], 'no-cache, private');
    assert.match(String(reply.headers.date), /GMT$/);
    const body = reply.json();
    assert.equal(body.metadata.name, 'h2');
    assert.equal(Number(reply.headers['content-length']), Buffer.byteLength(JSON.stringify(body)));
  });

  test('headers set before the answer (Warning) are sent with it', async () => {
    const reply = await server.call('POST', '/api/v1/namespaces/default/configmaps?fieldValidation=Warn', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'warned' }, bogus: 1 });
    assert.equal(reply.status, 201);
    assert.equal(reply.headers.warning, '299 - "unknown field \\"bogus\\""');
  });

  test('an oversized body answers 413 with a Status; a stream the client resets does not harm the server', async () => {
    const big = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big' }, data: { a: 'x'.repeat(4 * 1024 * 1024) } };
    const reply = await server.call('POST', '/api/v1/namespaces/default/configmaps', big);
    assert.equal(reply.status, 413);
    assert.equal(reply.json().reason, 'RequestEntityTooLarge');

    const req = server.session.request({ ':method': 'POST', ':path': '/api/v1/namespaces/default/configmaps', 'content-type': 'application/json' });
    req.on('error', () => {});
    req.write('{"apiVersion":"v1",');
    await new Promise((resolve) => setTimeout(resolve, 20));
    req.close(constants.NGHTTP2_INTERNAL_ERROR);
    await new Promise((resolve) => req.once('close', resolve));

    const after = await server.call('GET', '/api/v1/namespaces/default/configmaps/h2');
    assert.equal(after.status, 200);
    assert.equal(after.json().data.a, 'b');
  });

  test('errors are Status objects, and a watch (compatibility layer) still streams on the same connection', async () => {
    const missing = await server.call('GET', '/api/v1/namespaces/default/configmaps/nope');
    assert.equal(missing.status, 404);
    assert.equal(missing.json().kind, 'Status');
    const req = server.session.request({ ':method': 'GET', ':path': '/api/v1/namespaces/default/configmaps?watch=true&fieldSelector=metadata.name%3Dh2' });
    req.setEncoding('utf8');
    const first = await new Promise<string>((resolve, reject) => {
      let data = '';
      req.on('data', (chunk: string) => {
        data += chunk;
        if (data.includes('\n')) resolve(data);
      });
      req.on('error', reject);
    });
    req.close();
    assert.equal(JSON.parse(first.split('\n')[0]).type, 'ADDED');
  });
});
