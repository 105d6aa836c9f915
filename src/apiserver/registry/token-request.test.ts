import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type ClientHttp2Session } from 'node:http2';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { MemoryStorage } from '../../storage/memory/memory-storage.ts';
import { ensurePki, type Pki } from '../authn/pki.ts';
import { ensureServiceAccountKey } from '../authn/service-account-key.ts';
import { ServiceAccountTokens } from '../authn/service-account-token.ts';
import { ApiServer } from '../server.ts';

interface Reply {
  status: number;
  json: any;
}

/** TokenRequest, service account token authentication and the ServiceAccount admission, over real HTTPS. */
describe('service account tokens (in-process API server)', () => {
  let dir: string;
  let pki: Pki;
  let key: string;
  let server: ApiServer;
  let port: number;
  let admin: ClientHttp2Session;

  const call = (method: string, path: string, body?: unknown, token?: string): Promise<Reply> =>
    new Promise((resolve, reject) => {
      // A token-only client has no client certificate: it authenticates by its bearer token alone.
      const s = token ? connect(`https://127.0.0.1:${port}`, { ca: pki.caCert }) : admin;
      const headers: Record<string, string> = { ':method': method, ':path': path, 'content-type': 'application/json' };
      if (token) headers.authorization = `Bearer ${token}`;
      const req = s.request(headers);
      let status = 0;
      let data = '';
      req.on('response', (h) => (status = Number(h[':status'])));
      req.setEncoding('utf8');
      req.on('data', (d) => (data += d));
      req.on('end', () => {
        if (token) s.close();
        resolve({ status, json: data ? JSON.parse(data) : undefined });
      });
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });

  const requestToken = (sa: string, spec: Record<string, unknown> = {}, ns = 'default') =>
    call('POST', `/api/v1/namespaces/${ns}/serviceaccounts/${sa}/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skiff-sa-'));
    pki = await ensurePki(dir, { hostnames: [], ips: [] });
    key = ensureServiceAccountKey(dir);
    server = new ApiServer({ storage: new MemoryStorage(), pki, serviceAccountKey: key });
    port = await server.start(0, '127.0.0.1');
    admin = connect(`https://127.0.0.1:${port}`, { ca: pki.caCert, cert: pki.adminCert, key: pki.adminKey });
    for (const name of ['default', 'builder']) {
      assert.equal((await call('POST', '/api/v1/namespaces/default/serviceaccounts', { metadata: { name } })).status, 201);
    }
    const noMount = { metadata: { name: 'quiet' }, automountServiceAccountToken: false };
    assert.equal((await call('POST', '/api/v1/namespaces/default/serviceaccounts', noMount)).status, 201);
  });
  after(async () => {
    admin?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the signing key is generated once into the TLS dir (0600) and reused', () => {
    const path = join(dir, 'service.key');
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(ensureServiceAccountKey(dir), readFileSync(path, 'utf8'));
    assert.equal(key, readFileSync(path, 'utf8'));
  });

  test('a TokenRequest returns an RS256 JWT with the Kubernetes claims; it authenticates as the service account', async () => {
    const before = Date.now();
    const reply = await requestToken('default');
    assert.equal(reply.status, 201);
    assert.equal(reply.json.kind, 'TokenRequest');
    assert.equal(reply.json.apiVersion, 'authentication.k8s.io/v1');
    assert.equal(reply.json.metadata.name, 'default');
    assert.deepEqual(reply.json.spec.audiences, ['https://kubernetes.default.svc.cluster.local']);
    assert.equal(reply.json.spec.expirationSeconds, 3600);
    const expires = Date.parse(reply.json.status.expirationTimestamp);
    assert.ok(expires >= before + 3599_000 && expires <= Date.now() + 3601_000);
    const token: string = reply.json.status.token;
    assert.equal(decodeProtectedHeader(token).alg, 'RS256');
    const claims = decodeJwt(token) as any;
    assert.equal(claims.iss, 'https://kubernetes.default.svc.cluster.local');
    assert.equal(claims.sub, 'system:serviceaccount:default:default');
    assert.deepEqual(claims.aud, ['https://kubernetes.default.svc.cluster.local']);
    assert.equal(claims.exp - claims.iat, 3600);
    assert.equal(claims['kubernetes.io'].namespace, 'default');
    assert.equal(claims['kubernetes.io'].serviceaccount.name, 'default');
    assert.ok(claims['kubernetes.io'].serviceaccount.uid);

    assert.equal((await call('GET', '/api/v1/namespaces/default/configmaps', undefined, token)).status, 200);
    assert.equal((await call('GET', '/api/v1/namespaces/default/configmaps', undefined, token)).status, 200, 'again, from the verified-token cache');
    const tampered = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    assert.equal((await call('GET', '/api/v1/namespaces/default/configmaps', undefined, tampered)).status, 401);
    assert.equal((await call('GET', '/api/v1/namespaces/default/configmaps', undefined, 'not-a-jwt')).status, 401);
  });

  test('the authenticated user is system:serviceaccount:<ns>:<name> with the service account groups', async () => {
    const token = (await requestToken('builder')).json.status.token;
    const sa = server.byResource('', 'serviceaccounts')!.peek('default', 'builder')!.object;
    const user = await server.serviceAccountTokens!.authenticate(token);
    assert.deepEqual(user, {
      username: 'system:serviceaccount:default:builder',
      uid: sa.metadata.uid,
      groups: ['system:serviceaccounts', 'system:serviceaccounts:default'],
      extra: { 'authentication.kubernetes.io/credential-id': [`JTI=${(decodeJwt(token) as any).jti}`] },
    });
  });

  test('bad requests: short lifetimes 422, missing account 404, wrong bound object 400/409', async () => {
    const short = await requestToken('default', { expirationSeconds: 100 });
    assert.equal(short.status, 422);
    assert.equal(short.json.message, 'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 100: may not specify a duration less than 10 minutes');
    const missing = await requestToken('ghost');
    assert.equal(missing.status, 404);
    assert.equal(missing.json.message, 'serviceaccounts "ghost" not found');
    const pod = await call('POST', '/api/v1/namespaces/default/pods', { metadata: { name: 'p1' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    assert.equal(pod.status, 201);
    const wrongSa = await requestToken('builder', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p1' } });
    assert.equal(wrongSa.status, 400);
    assert.equal(wrongSa.json.message, 'cannot bind token for serviceaccount "builder" to pod running with different serviceaccount name.');
    const wrongUid = await requestToken('default', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p1', uid: 'nope' } });
    assert.equal(wrongUid.status, 409);
    assert.match(wrongUid.json.message, /the UID in the bound object reference \(nope\) does not match the UID in record/);
    const badKind = await requestToken('default', { boundObjectRef: { kind: 'Deployment', apiVersion: 'apps/v1', name: 'x' } });
    assert.equal(badKind.status, 400);
    assert.equal(badKind.json.message, 'cannot bind token to object of type apps/v1, Kind=Deployment');
    const noPod = await requestToken('default', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'gone' } });
    assert.equal(noPod.status, 404);
  });

  test('a pod-bound token stops authenticating once the pod is deleted; 3607 s tokens are extended', async () => {
    const created = await call('POST', '/api/v1/namespaces/default/pods', { metadata: { name: 'bound' }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: 'busybox' }] } });
    const uid = created.json.metadata.uid;
    const reply = await requestToken('default', { expirationSeconds: 3607, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'bound', uid } });
    assert.equal(reply.status, 201);
    const claims = decodeJwt(reply.json.status.token) as any;
    assert.deepEqual(claims['kubernetes.io'].pod, { name: 'bound', uid });
    assert.equal(claims.exp - claims.iat, 365 * 24 * 3600, 'the token itself lasts a year');
    assert.equal(claims['kubernetes.io'].warnafter - claims.iat, 3607);
    assert.ok(Date.parse(reply.json.status.expirationTimestamp) < Date.now() + 3700_000, 'the status reports 3607 s');
    const token = reply.json.status.token;
    assert.equal((await call('GET', '/api/v1/namespaces/default/pods/bound', undefined, token)).status, 200);
    assert.equal((await call('DELETE', '/api/v1/namespaces/default/pods/bound?gracePeriodSeconds=0')).status, 200);
    assert.equal((await call('GET', '/api/v1/namespaces/default/pods', undefined, token)).status, 401);
  });

  test('expired tokens, other issuers and other audiences are refused', async () => {
    const sa = server.byResource('', 'serviceaccounts')!.peek('default', 'default')!.object;
    const lookup = () => undefined;
    const past = new ServiceAccountTokens(key, lookup, { now: () => Date.now() - 2 * 3600_000 });
    const expired = await past.issue({ serviceAccount: sa, audiences: past.audiences, expirationSeconds: 3600 });
    assert.equal((await call('GET', '/api/v1/namespaces', undefined, expired.token)).status, 401);
    const otherIssuer = new ServiceAccountTokens(key, lookup, { issuer: 'https://elsewhere.example' });
    const foreign = await otherIssuer.issue({ serviceAccount: sa, audiences: [otherIssuer.issuer], expirationSeconds: 3600 });
    assert.equal((await call('GET', '/api/v1/namespaces', undefined, foreign.token)).status, 401);
    const vault = (await requestToken('default', { audiences: ['vault'] })).json.status.token;
    assert.deepEqual((decodeJwt(vault) as any).aud, ['vault']);
    assert.equal((await call('GET', '/api/v1/namespaces', undefined, vault)).status, 401);
    // A deleted (or recreated) service account invalidates its tokens.
    const builderToken = (await requestToken('builder')).json.status.token;
    assert.equal((await call('DELETE', '/api/v1/namespaces/default/serviceaccounts/builder')).status, 200);
    assert.equal((await call('GET', '/api/v1/namespaces', undefined, builderToken)).status, 401);
  });

  test('ServiceAccount admission: kube-api-access volume mounted in every container unless opted out', async () => {
    const spec = {
      initContainers: [{ name: 'init', image: 'busybox' }],
      containers: [
        { name: 'a', image: 'busybox' },
        { name: 'b', image: 'busybox', volumeMounts: [{ name: 'own', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }] },
      ],
      volumes: [{ name: 'own', emptyDir: {} }],
    };
    const pod = (await call('POST', '/api/v1/namespaces/default/pods', { metadata: { name: 'admitted' }, spec })).json;
    assert.equal(pod.spec.serviceAccountName, 'default');
    const volume = pod.spec.volumes.find((v: any) => v.name.startsWith('kube-api-access-'));
    assert.match(volume.name, /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.deepEqual(volume.projected, {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    });
    const mount = { name: volume.name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' };
    assert.deepEqual(pod.spec.initContainers[0].volumeMounts, [mount]);
    assert.deepEqual(pod.spec.containers[0].volumeMounts, [mount]);
    assert.deepEqual(pod.spec.containers[1].volumeMounts, [spec.containers[1].volumeMounts![0]], 'an existing mount at the path is kept');

    const optOut = (await call('POST', '/api/v1/namespaces/default/pods', { metadata: { name: 'optout' }, spec: { automountServiceAccountToken: false, containers: [{ name: 'a', image: 'busybox' }] } })).json;
    assert.equal(optOut.spec.volumes, undefined);
    const quiet = (await call('POST', '/api/v1/namespaces/default/pods', { metadata: { name: 'quiet' }, spec: { serviceAccountName: 'quiet', containers: [{ name: 'a', image: 'busybox' }] } })).json;
    assert.equal(quiet.spec.volumes, undefined, "the service account's automountServiceAccountToken: false applies");
    const podWins = (await call('POST', '/api/v1/namespaces/default/pods', { metadata: { name: 'loud' }, spec: { serviceAccountName: 'quiet', automountServiceAccountToken: true, containers: [{ name: 'a', image: 'busybox' }] } })).json;
    assert.equal(podWins.spec.volumes.length, 1);
    const mirror = (await call('POST', '/api/v1/namespaces/default/pods', { metadata: { name: 'mirror', annotations: { 'kubernetes.io/config.mirror': 'x' } }, spec: { containers: [{ name: 'a', image: 'busybox' }] } })).json;
    assert.equal(mirror.spec.volumes, undefined);
  });
});
