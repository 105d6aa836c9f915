import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createSecureServer, type Http2SecureServer } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePki, type Pki } from '../src/apiserver/authn/pki.ts';
import { H2Client, jsonBody, resourceVersionIn } from './h2-client.ts';
import { configMap, configMapBytes } from './workload.ts';
import { parseKubeconfig, type Credentials } from './kubeconfig.ts';
import { eventResourceVersion } from './watch-latency.ts';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

function kubeconfigText(server: string, pki: Pki): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'current-context: admin',
    'clusters:',
    '- name: other',
    '  cluster: {server: "https://wrong:1"}',
    '- name: local',
    `  cluster: {server: "${server}", certificate-authority-data: "${b64(pki.caCert)}"}`,
    'users:',
    '- name: admin',
    `  user: {client-certificate-data: "${b64(pki.adminCert)}", client-key-data: "${b64(pki.adminKey)}"}`,
    'contexts:',
    '- name: admin',
    '  context: {cluster: local, user: admin}',
  ].join('\n');
}

describe('H2Client against a TLS HTTP/2 server with client certificates', () => {
  let dir: string;
  let pki: Pki;
  let server: Http2SecureServer;
  let creds: Credentials;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skiff-bench-test-'));
    pki = await ensurePki(dir, { hostnames: [], ips: [] });
    server = createSecureServer({ key: pki.serverKey, cert: pki.serverCert, ca: pki.caCert, requestCert: true, rejectUnauthorized: true, settings: { maxConcurrentStreams: 7 } }, (req, res) => {
      if (req.url === '/hang') return; // never answers: exercises the client timeout
      const cn = (req.socket as TLSSocket).getPeerCertificate().subject?.CN;
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ method: req.method, path: req.url, cn, accept: req.headers.accept, body: Buffer.concat(chunks).toString() }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    creds = parseKubeconfig(kubeconfigText(`https://127.0.0.1:${port}`, pki));
  });

  after(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  test('kubeconfig picks the current context cluster and inline credentials', () => {
    assert.match(creds.server, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(creds.ca?.toString(), pki.caCert);
    assert.equal(creds.key?.toString(), pki.adminKey);
  });

  test('authenticates with the client certificate, sends JSON bodies, buffers the response', async () => {
    const client = await H2Client.connect(creds);
    try {
      assert.equal(client.maxConcurrentStreams(), 7);
      const res = await client.request({ method: 'POST', path: '/x', body: { a: 1 }, accept: 'application/json;as=Table' });
      assert.equal(res.status, 201);
      assert.ok(res.ms > 0);
      const echoed = jsonBody<{ method: string; cn: string; accept: string; body: string }>(res)!;
      assert.equal(echoed.method, 'POST');
      assert.equal(echoed.accept, 'application/json;as=Table');
      assert.deepEqual(JSON.parse(echoed.body), { a: 1 });
      assert.ok(echoed.cn, 'server saw a client certificate');
    } finally {
      await client.close();
    }
  });

  test('discardBody counts the response bytes without keeping them', async () => {
    const client = await H2Client.connect(creds);
    try {
      const kept = await client.request({ method: 'POST', path: '/y', body: 'abc' });
      const counted = await client.request({ method: 'POST', path: '/y', body: 'abc', discardBody: true });
      assert.equal(counted.status, 201);
      assert.equal(counted.body.length, 0);
      assert.equal(counted.bytes, kept.bytes);
      assert.equal(kept.bytes, kept.body.length);
    } finally {
      await client.close();
    }
  });

  test('a request past its timeout resolves with status 0 instead of hanging', async () => {
    const client = await H2Client.connect(creds);
    try {
      const res = await client.request({ path: '/hang', timeoutMs: 200 });
      assert.equal(res.status, 0);
      assert.equal(res.error, 'timeout');
    } finally {
      await client.close();
    }
  });
});

test('eventResourceVersion reads the object resourceVersion from a watch line', () => {
  const line = JSON.stringify({ type: 'MODIFIED', object: { kind: 'ConfigMap', metadata: { name: 'a', resourceVersion: '1234' }, data: { k: 'v' } } });
  assert.equal(eventResourceVersion(line), '1234');
  assert.equal(eventResourceVersion('{"type":"ERROR"}'), undefined);
});

test('resourceVersionIn finds the object resourceVersion without parsing; undefined when absent', () => {
  const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', resourceVersion: '987' }, data: { x: '"resourceVersion":"1"' } };
  assert.equal(resourceVersionIn(Buffer.from(JSON.stringify(obj))), '987');
  assert.equal(resourceVersionIn(Buffer.from('{"kind":"Status","metadata":{},"code":409}')), undefined);
});

test('configMapBytes is exactly the JSON of configMap', () => {
  for (const rv of [undefined, '42']) {
    assert.deepEqual(JSON.parse(configMapBytes('ns-1', 'c3-7', 12, rv).toString()), configMap('ns-1', 'c3-7', 12, rv));
  }
});
