import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TestCluster, type StoreKind } from './harness.ts';

const NGINX = readFileSync(resolve(import.meta.dirname, '../../examples/nginx.yaml'), 'utf8');

function waitForOutput(stream: NodeJS.ReadableStream, text: string, timeoutMs = 15_000): Promise<string> {
  return new Promise((res, rej) => {
    let seen = '';
    const timer = setTimeout(() => rej(new Error(`timed out waiting for ${JSON.stringify(text)}; got:\n${seen}`)), timeoutMs);
    stream.on('data', (chunk) => {
      seen += chunk;
      if (seen.includes(text)) {
        clearTimeout(timer);
        res(seen);
      }
    });
  });
}

/** The acceptance scenario of the API server issue, run against one store. */
function scenario(store: StoreKind): void {
  describe(`kubectl against skiff server (${store})`, () => {
    let c: TestCluster;
    before(async () => {
      c = await TestCluster.start(store);
    });
    after(async () => {
      await c?.stop();
    });

    test('creates the nginx Pod from YAML and reads back its defaulted fields', () => {
      assert.match(c.ok(['create', '-f', '-'], NGINX), /pod\/nginx created/);
      const pod = JSON.parse(c.ok(['get', 'pod', 'nginx', '-o', 'json']));
      assert.equal(pod.spec.restartPolicy, 'Always');
      assert.equal(pod.spec.dnsPolicy, 'ClusterFirst');
      assert.equal(pod.spec.terminationGracePeriodSeconds, 30);
      assert.equal(pod.spec.schedulerName, 'default-scheduler');
      assert.equal(pod.spec.containers[0].imagePullPolicy, 'Always');
      assert.equal(pod.spec.containers[0].ports[0].protocol, 'TCP');
      assert.deepEqual(pod.spec.tolerations.map((t: { key: string }) => t.key).sort(), ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']);
      assert.equal(pod.status.phase, 'Pending');
      assert.match(pod.metadata.uid, /^[0-9a-f-]{36}$/);
      assert.ok(Number(pod.metadata.resourceVersion) > 0);
      assert.ok(pod.metadata.creationTimestamp);
    });

    test('prints Kubernetes tables, also with -o wide', () => {
      const lines = c.ok(['get', 'pods']).trim().split('\n');
      assert.match(lines[0], /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
      assert.match(lines[1], /^nginx\s+0\/1\s+Pending\s+0\s+\d+s$/);
      assert.match(c.ok(['get', 'pods', '-o', 'wide']).split('\n')[0], /IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES/);
      assert.match(c.ok(['get', 'namespaces']), /kube-system\s+Active/);
    });

    test('label, annotate and selectors', () => {
      c.ok(['label', 'pod', 'nginx', 'tier=web']);
      c.ok(['annotate', 'pod', 'nginx', 'note=hello']);
      assert.match(c.ok(['get', 'pods', '-l', 'tier=web', '-o', 'name']), /pod\/nginx/);
      assert.match(c.ok(['get', 'pods', '-l', 'tier in (web,db)', '-o', 'name']), /pod\/nginx/);
      assert.doesNotMatch(c.ok(['get', 'pods', '-l', 'tier!=web', '-o', 'name']), /nginx/);
      assert.match(c.ok(['get', 'pods', '--field-selector', 'status.phase=Pending', '-o', 'name']), /pod\/nginx/);
      const pod = JSON.parse(c.ok(['get', 'pod', 'nginx', '-o', 'json']));
      assert.equal(pod.metadata.annotations.note, 'hello');
    });

    test('get -w prints changes as they happen', async () => {
      const watch = c.spawnKubectl(['get', 'configmaps', '-w', '--output-watch-events', '-v=6']);
      try {
        // With -v=6 kubectl logs each request: once the watch request is answered, changes stream in.
        await waitForOutput(watch.stderr!, 'watch=true');
        c.ok(['create', 'configmap', 'watched', '--from-literal=a=1']);
        const out = await waitForOutput(watch.stdout!, 'watched');
        assert.match(out, /ADDED\s+watched/);
      } finally {
        watch.kill();
      }
    });

    test('create configmap, secret generic, deployment; scale', () => {
      c.ok(['create', 'configmap', 'settings', '--from-literal=color=blue']);
      assert.equal(c.ok(['get', 'configmap', 'settings', '-o', 'jsonpath={.data.color}']), 'blue');
      c.ok(['create', 'secret', 'generic', 'creds', '--from-literal=password=s3cret']);
      assert.equal(Buffer.from(c.ok(['get', 'secret', 'creds', '-o', 'jsonpath={.data.password}']), 'base64').toString(), 's3cret');
      assert.match(c.ok(['get', 'secret', 'creds']), /creds\s+Opaque\s+1/);
      c.ok(['create', 'deployment', 'web', '--image=nginx', '--replicas=2']);
      c.ok(['scale', 'deployment', 'web', '--replicas=5']);
      assert.equal(c.ok(['get', 'deployment', 'web', '-o', 'jsonpath={.spec.replicas}']), '5');
      const deploy = JSON.parse(c.ok(['get', 'deployment', 'web', '-o', 'json']));
      assert.equal(deploy.spec.strategy.type, 'RollingUpdate');
      assert.equal(deploy.metadata.generation, 2);
    });

    test('apply -f DIR, diff shows an edit, apply applies it (the GitOps loop)', () => {
      const dir = mkdtempSync(join(tmpdir(), 'skiff-manifests-'));
      try {
        writeFileSync(join(dir, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\ndata:\n  mode: blue\n');
        writeFileSync(join(dir, 'svc.yaml'), 'apiVersion: v1\nkind: Service\nmetadata:\n  name: app\nspec:\n  selector:\n    app: app\n  ports:\n  - port: 80\n');
        assert.match(c.ok(['apply', '-f', dir]), /configmap\/app-config created/);
        assert.equal(c.kubectl(['diff', '-f', dir]).code, 0);
        writeFileSync(join(dir, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\ndata:\n  mode: green\n');
        const diff = c.kubectl(['diff', '-f', dir]);
        assert.equal(diff.code, 1, diff.stderr);
        assert.match(diff.stdout, /-\s+mode: blue/);
        assert.match(diff.stdout, /\+\s+mode: green/);
        assert.match(c.ok(['apply', '-f', dir]), /configmap\/app-config configured/);
        assert.equal(c.ok(['get', 'cm', 'app-config', '-o', 'jsonpath={.data.mode}']), 'green');
        assert.match(c.ok(['get', 'svc', 'app', '-o', 'jsonpath={.spec.clusterIP}']), /^10\.43\.\d+\.\d+$/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    test('server-side apply records managers and reports conflicts', () => {
      const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  owner: first\n';
      c.ok(['apply', '--server-side', '--field-manager=first', '-f', '-'], cm);
      const conflict = c.kubectl(['apply', '--server-side', '--field-manager=second', '-f', '-'], cm.replace('first', 'second'));
      assert.notEqual(conflict.code, 0);
      assert.match(conflict.stderr, /conflict/i);
      c.ok(['apply', '--server-side', '--force-conflicts', '--field-manager=second', '-f', '-'], cm.replace('first', 'second'));
      assert.equal(c.ok(['get', 'cm', 'ssa', '-o', 'jsonpath={.data.owner}']), 'second');
    });

    test('replace with a stale resourceVersion is refused with Conflict', () => {
      const stale = c.ok(['get', 'configmap', 'settings', '-o', 'yaml']);
      c.ok(['label', 'configmap', 'settings', 'bumped=yes']);
      const r = c.kubectl(['replace', '-f', '-'], stale);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /Conflict|the object has been modified/);
    });

    test('explain and api-resources', () => {
      const explain = c.ok(['explain', 'pod.spec.containers']);
      assert.match(explain, /FIELDS:/);
      assert.match(explain, /image\s+<string>/);
      const resources = c.ok(['api-resources']);
      assert.match(resources, /deployments\s+deploy\s+apps\/v1\s+true\s+Deployment/);
      assert.match(resources, /pods\s+po\s+v1\s+true\s+Pod/);
    });

    test('pagination with --chunk-size', () => {
      for (let i = 0; i < 12; i++) c.ok(['create', 'configmap', `page-${String(i).padStart(2, '0')}`]);
      const r = c.kubectl(['get', 'configmaps', '--chunk-size=5', '-o', 'name', '-v=6']);
      assert.equal(r.code, 0, r.stderr);
      const names = r.stdout.split('\n').filter((l) => l.includes('page-'));
      assert.equal(names.length, 12);
      assert.match(r.stderr, /limit=5/);
      assert.match(r.stderr, /continue=/);
    });

    test('delete', () => {
      assert.match(c.ok(['delete', 'pod', 'nginx']), /pod "nginx" deleted/);
      const r = c.kubectl(['get', 'pod', 'nginx']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /NotFound|not found/);
    });

    test('objects survive a restart and a kill -9', async () => {
      c.ok(['create', 'configmap', 'durable', '--from-literal=k=v']);
      await c.restart();
      assert.equal(c.ok(['get', 'configmap', 'durable', '-o', 'jsonpath={.data.k}']), 'v');
      c.ok(['create', 'configmap', 'acknowledged', '--from-literal=k=v2']);
      await c.kill9AndRestart();
      assert.equal(c.ok(['get', 'configmap', 'acknowledged', '-o', 'jsonpath={.data.k}']), 'v2');
    });
  });
}

scenario('sqlite');
scenario('etcd');
