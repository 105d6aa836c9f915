import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http2';
import { PassThrough } from 'node:stream';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StatusError } from '../api/errors.ts';
import { findResource } from '../api/registry.ts';
import { loadKubeconfig } from './kubeconfig.ts';
import { RestClient } from './rest-client.ts';
import { refFor, resourcePath } from './resource-ref.ts';
import { statusErrorFromResponse } from './status.ts';
import { WatchStream } from './watch-stream.ts';

describe('resource paths', () => {
  const pods = findResource('', 'v1', 'pods')!;
  const deployments = findResource('apps', 'v1', 'deployments')!;
  const nodes = findResource('', 'v1', 'nodes')!;
  test('core, named groups, namespaces, names and subresources', () => {
    assert.equal(resourcePath(pods), '/api/v1/pods');
    assert.equal(resourcePath(pods, { namespace: 'default' }), '/api/v1/namespaces/default/pods');
    assert.equal(resourcePath(pods, { namespace: 'default', name: 'p', subresource: 'status' }), '/api/v1/namespaces/default/pods/p/status');
    assert.equal(resourcePath(deployments, { namespace: 'x', name: 'web' }), '/apis/apps/v1/namespaces/x/deployments/web');
    assert.equal(resourcePath(nodes, { namespace: 'ignored', name: 'n1' }), '/api/v1/nodes/n1');
    assert.equal(refFor('apps/v1', 'Deployment'), deployments);
    assert.throws(() => refFor('v1', 'Nope'), /no resource/);
  });
});

describe('status errors', () => {
  test('built from the Status body', () => {
    const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'pods "x" not found', reason: 'NotFound', details: { name: 'x', kind: 'pods' }, code: 404 });
    const err = statusErrorFromResponse(404, body);
    assert.ok(err instanceof StatusError);
    assert.equal(err.code, 404);
    assert.equal(err.reason, 'NotFound');
    assert.equal(err.message, 'pods "x" not found');
    assert.equal(err.details?.name, 'x');
  });
  test('generic when the body is not a Status', () => {
    const err = statusErrorFromResponse(503, 'upstream down');
    assert.equal(err.code, 503);
    assert.equal(err.reason, 'ServiceUnavailable');
    assert.equal(err.message, 'upstream down');
  });
});

describe('WatchStream', () => {
  test('parses events split across chunks, and ends when the server ends the stream', async () => {
    const source = new PassThrough();
    let cancelled = 0;
    const watch = new WatchStream(source, () => cancelled++);
    source.write('{"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"5"}}}\n{"type":"MODI');
    source.write('FIED","object":{"metadata":{"name":"a","resourceVersion":"6"}}}\n');
    source.end('{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"9"}}}');
    const seen: string[] = [];
    for await (const ev of watch) seen.push(`${ev.type} ${ev.object.metadata.resourceVersion}`);
    assert.deepEqual(seen, ['ADDED 5', 'MODIFIED 6', 'BOOKMARK 9']);
    assert.ok(cancelled >= 1);
    assert.equal(watch.done, true);
  });

  test('throws an ERROR event as a StatusError after the events before it', async () => {
    const source = new PassThrough();
    const watch = new WatchStream(source, () => {});
    source.write('{"type":"ADDED","object":{"metadata":{"name":"a"}}}\n');
    source.write(`${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'too old resource version: 1 (5)', reason: 'Expired', code: 410 } })}\n`);
    const it = watch[Symbol.asyncIterator]();
    assert.equal((await it.next()).value?.type, 'ADDED');
    await assert.rejects(it.next(), (err: unknown) => err instanceof StatusError && err.code === 410 && err.reason === 'Expired');
    assert.equal((await it.next()).done, true);
  });

  test('close ends a pending iteration and cancels the stream', async () => {
    const source = new PassThrough();
    let cancelled = false;
    const watch = new WatchStream(source, () => (cancelled = true));
    const next = watch[Symbol.asyncIterator]().next();
    watch.close();
    assert.equal((await next).done, true);
    assert.equal(cancelled, true);
  });

  test('a transport error is thrown from the iterator', async () => {
    const source = new PassThrough();
    const watch = new WatchStream(source, () => {});
    source.destroy(new Error('connection reset'));
    await assert.rejects(async () => {
      for await (const _ of watch) void _;
    }, /connection reset/);
  });
});

describe('kubeconfig', () => {
  test('resolves the current context with inline data and a token file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-kc-'));
    try {
      writeFileSync(join(dir, 'token'), 'abc.def\n');
      writeFileSync(join(dir, 'ca.crt'), 'CA PEM');
      const b64 = (s: string): string => Buffer.from(s).toString('base64');
      writeFileSync(join(dir, 'config'), `apiVersion: v1
kind: Config
current-context: admin
clusters:
- name: c1
  cluster: { server: 'https://127.0.0.1:6443', certificate-authority-data: ${b64('CA DATA')} }
- name: c2
  cluster: { server: 'https://10.0.0.1:6443', certificate-authority: ca.crt }
users:
- name: admin
  user: { client-certificate-data: ${b64('CERT')}, client-key-data: ${b64('KEY')} }
- name: bot
  user: { tokenFile: token }
contexts:
- name: admin
  context: { cluster: c1, user: admin }
- name: bot
  context: { cluster: c2, user: bot, namespace: kube-system }
`);
      const admin = loadKubeconfig(join(dir, 'config'));
      assert.deepEqual(admin, { server: 'https://127.0.0.1:6443', namespace: 'default', ca: 'CA DATA', cert: 'CERT', key: 'KEY' });
      const bot = loadKubeconfig(join(dir, 'config'), 'bot');
      assert.deepEqual(bot, { server: 'https://10.0.0.1:6443', namespace: 'kube-system', ca: 'CA PEM', token: 'abc.def' });
      assert.throws(() => loadKubeconfig(join(dir, 'config'), 'nope'), /context "nope" not found/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('RestClient and 429 TooManyRequests', () => {
  /** A plaintext HTTP/2 server answering 429 (Retry-After 0) to the first `throttle` requests, then 200. */
  async function throttlingServer(throttle: number): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
    let requests = 0;
    const server = createServer((req, res) => {
      requests++;
      req.resume();
      req.on('end', () => {
        if (requests <= throttle) {
          res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '0' });
          res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'TooManyRequests', code: 429, message: 'Too many requests, please try again later.', details: { retryAfterSeconds: 0 } }));
        } else {
          res.writeHead(201, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'default' } }));
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    return { url: `http://127.0.0.1:${port}`, requests: () => requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
  }

  const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'default' } };
  const CONFIGMAPS = findResource('', 'v1', 'configmaps')!;

  test('waits Retry-After and sends the request again, as client-go does', async () => {
    const server = await throttlingServer(3);
    const client = new RestClient({ server: server.url });
    try {
      const created = await client.create(CONFIGMAPS, configMap);
      assert.equal(created.metadata.name, 'a');
      assert.equal(server.requests(), 4);
    } finally {
      client.close();
      await server.close();
    }
  });

  test('gives up after 10 retries with the 429', async () => {
    const server = await throttlingServer(1000);
    const client = new RestClient({ server: server.url });
    try {
      await assert.rejects(client.create(CONFIGMAPS, configMap), (err: unknown) => err instanceof StatusError && err.code === 429 && err.reason === 'TooManyRequests');
      assert.equal(server.requests(), 11);
    } finally {
      client.close();
      await server.close();
    }
  });
});
