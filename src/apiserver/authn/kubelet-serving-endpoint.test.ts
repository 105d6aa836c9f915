import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { request } from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStorage } from '../../storage/memory/memory-storage.ts';
import { ApiServer } from '../server.ts';
import { Authenticator } from './authenticate.ts';
import { KUBELET_SERVING_CERT_PATH } from './kubelet-serving-endpoint.ts';
import { ensurePki, type Pki } from './pki.ts';

describe('kubelet serving certificate endpoint', () => {
  let dir = '';
  let pki: Pki;
  let server: ApiServer;
  let port = 0;
  const get = (headers: Record<string, string>): Promise<{ code: number; body: string }> =>
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: KUBELET_SERVING_CERT_PATH, ca: pki.caCert, headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skiff-serving-'));
    pki = await ensurePki(dir, { hostnames: [], ips: [] });
    const tokens = new Map([['join-token', { username: 'system:skiff-agent', groups: ['system:nodes'] }], ['user-token', { username: 'alice', groups: [] }]]);
    server = new ApiServer({ storage: new MemoryStorage(), pki, authenticator: new Authenticator({ tokens }) });
    port = await server.start(0, '127.0.0.1');
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('signs a serving certificate for the join token user', async () => {
    const res = await get({ authorization: 'Bearer join-token', 'skiff-node-name': 'node-1', 'skiff-node-ip': '10.0.0.7, 127.0.0.1' });
    assert.equal(res.code, 200, res.body);
    const at = res.body.indexOf('-----BEGIN PRIVATE KEY-----');
    const cert = new X509Certificate(res.body.slice(0, at));
    assert.equal(cert.subject, 'O=system:nodes\nCN=system:node:node-1');
    assert.equal(cert.checkIP('10.0.0.7'), '10.0.0.7');
    assert.ok(cert.verify(new X509Certificate(pki.caCert).publicKey));
  });

  test('refuses other users, anonymous requests and bad input with Status errors', async () => {
    assert.equal((await get({ 'skiff-node-name': 'node-1' })).code, 401);
    assert.equal((await get({ authorization: 'Bearer wrong', 'skiff-node-name': 'node-1' })).code, 401);
    const alice = await get({ authorization: 'Bearer user-token', 'skiff-node-name': 'node-1' });
    assert.equal(alice.code, 403);
    assert.equal(JSON.parse(alice.body).reason, 'Forbidden');
    const noName = await get({ authorization: 'Bearer join-token' });
    assert.equal(noName.code, 400);
    assert.equal((await get({ authorization: 'Bearer join-token', 'skiff-node-name': 'Bad_Name' })).code, 400);
    assert.equal((await get({ authorization: 'Bearer join-token', 'skiff-node-name': 'n', 'skiff-node-ip': '10.0.0.300' })).code, 400);
  });
});
