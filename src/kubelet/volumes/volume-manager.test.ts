import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../../api/object.ts';
import type { KubeletPod } from '../runtime-interface.ts';
import { mountPoints, mountsUnder } from './mounter.ts';
import { readTerminationMessage, VolumeManager, VolumeMountError, type PodObjectSource } from './volume-manager.ts';

interface Fixture {
  root: string;
  objects: KubeObject[];
  tokenCalls: { audiences?: string[]; expirationSeconds: number }[];
  clock: { now: number };
  failTokens: boolean;
  manager: VolumeManager;
}

/** `namespace` null makes a cluster-scoped object. */
function obj(kind: string, name: string, rest: Record<string, unknown>, namespace: string | null = 'shop'): KubeObject {
  return { apiVersion: 'v1', kind, metadata: { namespace: namespace ?? undefined, name }, ...rest };
}

/** Runs `fn` with a fresh manager in a temp dir; unmounts and removes everything afterwards. */
function withManager(fn: (f: Fixture) => Promise<void>): () => Promise<void> {
  return async () => {
    const root = mkdtempSync(join(tmpdir(), 'skiff-vol-'));
    const f = { root, objects: [] as KubeObject[], tokenCalls: [] as Fixture['tokenCalls'], clock: { now: Date.UTC(2024, 0, 1) }, failTokens: false } as Fixture;
    const find = (kind: string, ns: string | undefined, name: string) => f.objects.find((o) => o.kind === kind && o.metadata.namespace === ns && o.metadata.name === name);
    let serial = 0;
    const source: PodObjectSource = {
      getConfigMap: async (ns, name) => find('ConfigMap', ns, name),
      getSecret: async (ns, name) => find('Secret', ns, name),
      getPersistentVolumeClaim: async (ns, name) => find('PersistentVolumeClaim', ns, name),
      getPersistentVolume: async (name) => find('PersistentVolume', undefined, name),
      requestServiceAccountToken: async (pod, audiences, expirationSeconds) => {
        if (f.failTokens) throw new Error('serviceaccounts "default" not found');
        f.tokenCalls.push({ audiences, expirationSeconds });
        serial++;
        return { token: `token-${serial}-${pod.metadata.name}`, expirationTimestamp: new Date(f.clock.now + expirationSeconds * 1000).toISOString() };
      },
    };
    f.manager = new VolumeManager({ podsDir: join(root, 'pods'), source, nodeName: 'node-1', now: () => f.clock.now, nodeAllocatable: { cpu: '4', memory: '8Gi' } });
    try {
      await fn(f);
    } finally {
      for (const uid of f.manager.podUidsOnDisk()) await f.manager.tearDownPod(uid).catch(() => undefined);
      for (const m of mountsUnder(root)) await import('./mounter.ts').then((x) => x.unmount(m));
      rmSync(root, { recursive: true, force: true });
    }
  };
}

function pod(volumes: unknown[], containers: KubeletPod['spec']['containers'] = [{ name: 'app' }], extra: Record<string, unknown> = {}): KubeletPod {
  return {
    metadata: { name: 'web', namespace: 'shop', uid: 'uid-1234', labels: { app: 'web' }, annotations: { owner: 'team' } },
    spec: { serviceAccountName: 'default', containers, volumes, ...extra },
  };
}

const b64 = (s: string) => Buffer.from(s).toString('base64');
const vol = (f: Fixture, plugin: string, name: string) => join(f.root, 'pods', 'uid-1234', 'volumes', `kubernetes.io~${plugin}`, name);

test(
  'configMap and secret volumes: items, modes, layout, secrets on tmpfs, updates in place',
  withManager(async (f) => {
    f.objects.push(obj('ConfigMap', 'settings', { data: { 'app.conf': 'color=blue', other: 'x' }, binaryData: { 'logo.bin': b64('\u0001\u0002') } }));
    f.objects.push(obj('Secret', 'creds', { data: { password: b64('s3cret'), user: b64('admin') } }));
    const p = pod([
      { name: 'cfg', configMap: { name: 'settings', defaultMode: 0o640 } },
      { name: 'one', configMap: { name: 'settings', items: [{ key: 'app.conf', path: 'conf/app.conf', mode: 0o600 }] } },
      { name: 'creds', secret: { secretName: 'creds', defaultMode: 0o400 } },
    ]);
    await f.manager.setUpPod(p);
    const cfg = vol(f, 'configmap', 'cfg');
    assert.equal(readFileSync(join(cfg, 'app.conf'), 'utf8'), 'color=blue');
    assert.deepEqual([...readFileSync(join(cfg, 'logo.bin'))], [1, 2]);
    assert.equal(readlinkSync(join(cfg, 'app.conf')), '..data/app.conf');
    assert.equal(statSync(join(cfg, 'app.conf')).mode & 0o777, 0o640);
    const one = vol(f, 'configmap', 'one');
    assert.equal(readFileSync(join(one, 'conf/app.conf'), 'utf8'), 'color=blue');
    assert.equal(statSync(join(one, 'conf/app.conf')).mode & 0o777, 0o600);
    assert.ok(!existsSync(join(one, 'other')));
    const creds = vol(f, 'secret', 'creds');
    assert.equal(readFileSync(join(creds, 'password'), 'utf8'), 's3cret');
    assert.equal(statSync(join(creds, 'user')).mode & 0o777, 0o400);
    assert.ok(mountPoints().includes(creds), 'secret volumes live on tmpfs');

    // An update of the ConfigMap lands in the same directory at the next sync.
    f.objects[0] = obj('ConfigMap', 'settings', { data: { 'app.conf': 'color=green' } });
    await f.manager.setUpPod(p);
    assert.equal(readFileSync(join(cfg, 'app.conf'), 'utf8'), 'color=green');
    assert.ok(!existsSync(join(cfg, 'other')));
  }),
);

test(
  'missing objects and keys fail with the FailedMount messages; optional ones give empty volumes',
  withManager(async (f) => {
    f.objects.push(obj('ConfigMap', 'settings', { data: { a: '1' } }), obj('Secret', 'creds', { data: {} }));
    const p = pod([
      { name: 'ok', emptyDir: {} },
      { name: 'nocm', configMap: { name: 'nope' } },
      { name: 'nosecret', secret: { secretName: 'gone' } },
      { name: 'badkey', configMap: { name: 'settings', items: [{ key: 'zz', path: 'zz' }] } },
      { name: 'badsecretkey', secret: { secretName: 'creds', items: [{ key: 'k', path: 'k' }] } },
      { name: 'optional', configMap: { name: 'nope', optional: true } },
      { name: 'optkey', configMap: { name: 'settings', optional: true, items: [{ key: 'zz', path: 'zz' }] } },
      { name: 'nfs', nfs: { server: 'x', path: '/' } },
    ]);
    await assert.rejects(f.manager.setUpPod(p), (err: Error) => {
      assert.ok(err instanceof VolumeMountError);
      assert.deepEqual(err.events, [
        'MountVolume.SetUp failed for volume "nocm" : configmap "nope" not found',
        'MountVolume.SetUp failed for volume "nosecret" : secret "gone" not found',
        'MountVolume.SetUp failed for volume "badkey" : configmap references non-existent config key: zz',
        'MountVolume.SetUp failed for volume "badsecretkey" : references non-existent secret key: k',
        'MountVolume.SetUp failed for volume "nfs" : no volume plugin matched name: kubernetes.io/nfs (skiff supports emptyDir, hostPath, configMap, secret, downwardAPI, projected and persistentVolumeClaim)',
      ]);
      return true;
    });
    assert.ok(existsSync(vol(f, 'empty-dir', 'ok')), 'the volumes that could be set up are');
    assert.ok(existsSync(join(vol(f, 'configmap', 'optional'), '..data')));
  }),
);

test(
  'emptyDir: 0777 on disk, medium Memory is a tmpfs with the size limit; teardown unmounts and removes',
  withManager(async (f) => {
    const p = pod([
      { name: 'scratch', emptyDir: {} },
      { name: 'ram', emptyDir: { medium: 'Memory', sizeLimit: '2Mi' } },
    ]);
    await f.manager.setUpPod(p);
    await f.manager.setUpPod(p); // idempotent: no second mount
    const ram = vol(f, 'empty-dir', 'ram');
    assert.equal(statSync(vol(f, 'empty-dir', 'scratch')).mode & 0o777, 0o777);
    assert.equal(mountPoints().filter((m) => m === ram).length, 1);
    const info = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => l.split(' ')[4] === ram)!;
    assert.match(info, /tmpfs .*size=2048k/);
    assert.deepEqual(f.manager.podUidsOnDisk(), ['uid-1234']);
    await f.manager.tearDownPod('uid-1234');
    assert.ok(!mountPoints().includes(ram));
    assert.ok(!existsSync(join(f.root, 'pods', 'uid-1234')));
    assert.deepEqual(f.manager.podUidsOnDisk(), []);
    for (const bad of ['', '..', '../x', 'a/b']) await assert.rejects(f.manager.tearDownPod(bad), /invalid pod uid/);
    assert.ok(existsSync(join(f.root, 'pods')), 'a bad uid never removes the pods dir');
  }),
);

test(
  'hostPath types are checked and the OrCreate types create what is missing',
  withManager(async (f) => {
    const host = join(f.root, 'host');
    mkdirSync(host);
    writeFileSync(join(host, 'file'), 'x');
    const sock = createServer();
    await new Promise<void>((r) => sock.listen(join(host, 'sock'), r));
    try {
      await f.manager.setUpPod(pod([
        { name: 'a', hostPath: { path: join(host, 'made/dir'), type: 'DirectoryOrCreate' } },
        { name: 'b', hostPath: { path: join(host, 'made-file'), type: 'FileOrCreate' } },
        { name: 'c', hostPath: { path: join(host, 'file'), type: 'File' } },
        { name: 'd', hostPath: { path: join(host, 'sock'), type: 'Socket' } },
        { name: 'e', hostPath: { path: join(host, 'anything') } },
      ]));
      assert.ok(statSync(join(host, 'made/dir')).isDirectory());
      assert.equal(statSync(join(host, 'made/dir')).mode & 0o777, 0o755);
      assert.ok(statSync(join(host, 'made-file')).isFile());
      await assert.rejects(
        f.manager.setUpPod(pod([
          { name: 'x', hostPath: { path: join(host, 'missing'), type: 'Directory' } },
          { name: 'y', hostPath: { path: join(host, 'made'), type: 'File' } },
          { name: 'z', hostPath: { path: join(host, 'file'), type: 'Socket' } },
          { name: 'w', hostPath: { path: join(host, 'file'), type: 'DirectoryOrCreate' } },
          { name: 'v', hostPath: { path: '/dev/null', type: 'BlockDevice' } },
          { name: 'u', hostPath: { path: join(host, 'file'), type: 'Bogus' } },
        ])),
        (err: VolumeMountError) => {
          assert.deepEqual(err.failures.map((x) => x.message), [
            `hostPath type check failed: ${join(host, 'missing')} is not a directory`,
            `hostPath type check failed: ${join(host, 'made')} is not a file`,
            `hostPath type check failed: ${join(host, 'file')} is not a socket file`,
            `hostPath type check failed: ${join(host, 'file')} is not a directory`,
            'hostPath type check failed: /dev/null is not a block device',
            'Bogus is an invalid volume type',
          ]);
          return true;
        },
      );
    } finally {
      sock.close();
    }
  }),
);

test(
  'downwardAPI volume: labels, annotations, names and resources with divisors',
  withManager(async (f) => {
    const containers = [{ name: 'app', resources: { limits: { memory: '256Mi' }, requests: { cpu: '100m' } } }];
    const p = pod([{
      name: 'info',
      downwardAPI: {
        items: [
          { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
          { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } },
          { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
          { path: 'ns', fieldRef: { fieldPath: 'metadata.namespace' } },
          { path: 'uid', fieldRef: { fieldPath: 'metadata.uid' }, mode: 0o600 },
          { path: 'app', fieldRef: { fieldPath: "metadata.labels['app']" } },
          { path: 'mem', resourceFieldRef: { containerName: 'app', resource: 'limits.memory', divisor: '1Mi' } },
          { path: 'cpu', resourceFieldRef: { containerName: 'app', resource: 'limits.cpu' } },
          { path: 'cpureq', resourceFieldRef: { containerName: 'app', resource: 'requests.cpu', divisor: '1m' } },
        ],
      },
    }], containers);
    await f.manager.setUpPod(p);
    const dir = vol(f, 'downward-api', 'info');
    const read = (n: string) => readFileSync(join(dir, n), 'utf8');
    assert.equal(read('labels'), 'app="web"');
    assert.equal(read('annotations'), 'owner="team"');
    assert.equal(read('name'), 'web');
    assert.equal(read('ns'), 'shop');
    assert.equal(read('uid'), 'uid-1234');
    assert.equal(statSync(join(dir, 'uid')).mode & 0o777, 0o600);
    assert.equal(read('app'), 'web');
    assert.equal(read('mem'), '256');
    assert.equal(read('cpu'), '4', 'no cpu limit: the node allocatable');
    assert.equal(read('cpureq'), '100');
  }),
);

/** The volume the ServiceAccount admission adds (kube-api-access-xxxxx). */
const apiAccess = {
  name: 'kube-api-access-b2x7q',
  projected: {
    defaultMode: 420,
    sources: [
      { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
    ],
  },
};

test(
  'projected kube-api-access volume: token, ca.crt, namespace; token renewed at 80% of its lifetime',
  withManager(async (f) => {
    f.objects.push(obj('ConfigMap', 'kube-root-ca.crt', { data: { 'ca.crt': '-----BEGIN CERTIFICATE-----\n' } }));
    const p = pod([apiAccess, { name: 'aud', projected: { sources: [{ serviceAccountToken: { audience: 'vault', expirationSeconds: 600, path: 'vault-token' } }] } }]);
    await f.manager.setUpPod(p);
    const dir = vol(f, 'projected', apiAccess.name);
    assert.ok(mountPoints().includes(dir), 'projected volumes live on tmpfs');
    assert.equal(readFileSync(join(dir, 'token'), 'utf8'), 'token-1-web');
    assert.equal(readFileSync(join(dir, 'ca.crt'), 'utf8'), '-----BEGIN CERTIFICATE-----\n');
    assert.equal(readFileSync(join(dir, 'namespace'), 'utf8'), 'shop');
    assert.equal(statSync(join(dir, 'token')).mode & 0o777, 0o644);
    assert.deepEqual(f.tokenCalls, [{ audiences: undefined, expirationSeconds: 3607 }, { audiences: ['vault'], expirationSeconds: 600 }]);
    assert.equal(f.manager.nextRefresh('uid-1234'), f.clock.now + 480_000);

    f.clock.now += 479_000; // before 80% of the 600 s token: nothing renewed
    await f.manager.setUpPod(p);
    assert.equal(f.tokenCalls.length, 2);
    f.clock.now += 2_000; // past 80% of the 600 s token only
    await f.manager.setUpPod(p);
    assert.equal(f.tokenCalls.length, 3);
    assert.equal(readFileSync(join(vol(f, 'projected', 'aud'), 'vault-token'), 'utf8'), 'token-3-web');
    assert.equal(readFileSync(join(dir, 'token'), 'utf8'), 'token-1-web');

    // A failed renewal keeps the cached token while it is valid, and fails once it expired.
    f.failTokens = true;
    f.clock.now += 60_000;
    await f.manager.setUpPod(p);
    assert.equal(readFileSync(join(vol(f, 'projected', 'aud'), 'vault-token'), 'utf8'), 'token-3-web');
    f.clock.now += 600_000;
    await assert.rejects(f.manager.setUpPod(p), /MountVolume.SetUp failed for volume "aud" : token .* expired and refresh failed: serviceaccounts "default" not found/);
  }),
);

test(
  'projected volume errors are aggregated; a first token failure is "failed to fetch token"',
  withManager(async (f) => {
    f.failTokens = true;
    await assert.rejects(f.manager.setUpPod(pod([apiAccess])), (err: VolumeMountError) => {
      assert.equal(err.failures[0].message, '[failed to fetch token: serviceaccounts "default" not found, configmap "kube-root-ca.crt" not found]');
      return true;
    });
  }),
);

test(
  'persistentVolumeClaim: bound hostPath and local volumes mount; others fail clearly',
  withManager(async (f) => {
    const data = join(f.root, 'pv-data');
    const local = join(f.root, 'local-data');
    mkdirSync(local);
    f.objects.push(
      obj('PersistentVolumeClaim', 'data', { spec: { volumeName: 'pv-host' }, status: { phase: 'Bound' } }),
      obj('PersistentVolumeClaim', 'fast', { spec: { volumeName: 'pv-local' }, status: { phase: 'Bound' } }),
      obj('PersistentVolumeClaim', 'pending', { spec: {}, status: { phase: 'Pending' } }),
      obj('PersistentVolumeClaim', 'remote', { spec: { volumeName: 'pv-nfs' }, status: { phase: 'Bound' } }),
      obj('PersistentVolume', 'pv-host', { spec: { capacity: { storage: '1Gi' }, hostPath: { path: data, type: 'DirectoryOrCreate' } } }, null),
      obj('PersistentVolume', 'pv-local', { spec: { local: { path: local } } }, null),
      obj('PersistentVolume', 'pv-nfs', { spec: { capacity: { storage: '1Gi' }, nfs: { server: 'x', path: '/' } } }, null),
    );
    const containers = [{ name: 'app', volumeMounts: [{ name: 'data', mountPath: '/data' }, { name: 'fast', mountPath: '/fast' }] }];
    const good = pod([{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }, { name: 'fast', persistentVolumeClaim: { claimName: 'fast', readOnly: true } }], containers);
    await f.manager.setUpPod(good);
    assert.ok(statSync(data).isDirectory());
    const mounts = f.manager.mountsFor(good, containers[0]);
    assert.deepEqual(mounts.slice(0, 2), [{ containerPath: '/data', hostPath: data, readonly: false }, { containerPath: '/fast', hostPath: local, readonly: true }]);
    await assert.rejects(
      f.manager.setUpPod(pod([
        { name: 'a', persistentVolumeClaim: { claimName: 'pending' } },
        { name: 'b', persistentVolumeClaim: { claimName: 'remote' } },
        { name: 'c', persistentVolumeClaim: { claimName: 'absent' } },
      ])),
      (err: VolumeMountError) => {
        assert.deepEqual(err.failures.map((x) => x.message), [
          'PVC shop/pending has non-bound phase ("Pending") or empty pvc.Spec.VolumeName ("")',
          'persistentvolume "pv-nfs" is a nfs volume; skiff mounts only hostPath and local persistent volumes',
          'persistentvolumeclaim "absent" not found',
        ]);
        return true;
      },
    );
  }),
);

test(
  'mountsFor: read-only API data, subPath and subPathExpr, propagation, /etc/hosts, termination log',
  withManager(async (f) => {
    f.objects.push(obj('ConfigMap', 'settings', { data: { 'app.conf': 'x' } }));
    const container = {
      name: 'app',
      terminationMessagePath: '/dev/termination-log',
      volumeMounts: [
        { name: 'cfg', mountPath: '/etc/app' },
        { name: 'cfg', mountPath: '/etc/app.conf', subPath: 'app.conf' },
        { name: 'scratch', mountPath: '/work', subPath: 'a/b' },
        { name: 'scratch', mountPath: '/logs', subPathExpr: 'logs/$(POD_NAME)', mountPropagation: 'HostToContainer' },
        { name: 'scratch', mountPath: '/ro', readOnly: true },
      ],
    };
    const p = pod([{ name: 'cfg', configMap: { name: 'settings' } }, { name: 'scratch', emptyDir: {} }], [container], {
      hostname: 'web-0',
      subdomain: 'web',
      hostAliases: [{ ip: '10.1.2.3', hostnames: ['foo.local', 'bar.local'] }],
    });
    await f.manager.setUpPod(p);
    const mounts = f.manager.mountsFor(p, container, { env: [{ key: 'POD_NAME', value: 'web' }], podIPs: ['10.42.0.9'] });
    const cfg = vol(f, 'configmap', 'cfg');
    const scratch = vol(f, 'empty-dir', 'scratch');
    assert.deepEqual(mounts[0], { containerPath: '/etc/app', hostPath: cfg, readonly: true });
    assert.equal(mounts[1].containerPath, '/etc/app.conf');
    assert.match(mounts[1].hostPath, /\/\.\.\d{4}_.*\/app\.conf$/, 'a subPath file resolves to the data file itself');
    assert.deepEqual(mounts[2], { containerPath: '/work', hostPath: join(scratch, 'a/b'), readonly: false });
    assert.ok(statSync(join(scratch, 'a/b')).isDirectory());
    assert.deepEqual(mounts[3], { containerPath: '/logs', hostPath: join(scratch, 'logs/web'), readonly: false, propagation: 'PROPAGATION_HOST_TO_CONTAINER' });
    assert.deepEqual(mounts[4], { containerPath: '/ro', hostPath: scratch, readonly: true });
    const hosts = mounts.find((m) => m.containerPath === '/etc/hosts')!;
    assert.equal(
      readFileSync(hosts.hostPath, 'utf8'),
      '# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n' +
        '10.42.0.9\tweb-0.web.shop.svc.cluster.local\tweb-0\n\n# Entries added by HostAliases.\n10.1.2.3\tfoo.local\tbar.local\n',
    );
    const log = mounts.find((m) => m.containerPath === '/dev/termination-log')!;
    assert.equal(statSync(log.hostPath).mode & 0o777, 0o666);
    assert.equal(readTerminationMessage(mounts, container), undefined);
    writeFileSync(log.hostPath, 'x'.repeat(5000));
    assert.equal(readTerminationMessage(mounts, container)?.length, 4096);

    // A subPath may not leave its volume, through '..' or through a symlink.
    symlinkSync('/etc', join(scratch, 'escape'));
    assert.throws(() => f.manager.mountsFor(p, { name: 'app', volumeMounts: [{ name: 'scratch', mountPath: '/x', subPath: 'escape' }] }), /not within volume path/);
    assert.throws(() => f.manager.mountsFor(p, { name: 'app', volumeMounts: [{ name: 'scratch', mountPath: '/x', subPath: '../x' }] }), /must not contain '\.\.'/);
    assert.throws(() => f.manager.mountsFor(p, { name: 'app', volumeMounts: [{ name: 'nope', mountPath: '/x' }] }), /cannot find volume "nope" to mount into container "app"/);
  }),
);

test(
  'setups of one pod never overlap: a refresh during the first setup of a projected volume does not fail either',
  withManager(async (f) => {
    f.objects.push(obj('ConfigMap', 'kube-root-ca.crt', { data: { 'ca.crt': 'CA' } }));
    const p = pod([{ name: 'kube-api-access', projected: { sources: [
      { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
    ] } }]);
    // Ten at once, as the refresh timer and pod syncs could ask; before, they raced on the same
    // ..data_tmp and top-level symlinks and most failed with EEXIST.
    await Promise.all(Array.from({ length: 10 }, () => f.manager.setUpPod(p)));
    const dir = vol(f, 'projected', 'kube-api-access');
    assert.equal(readFileSync(join(dir, 'namespace'), 'utf8'), 'shop');
    assert.equal(readFileSync(join(dir, 'ca.crt'), 'utf8'), 'CA');
    assert.match(readFileSync(join(dir, 'token'), 'utf8'), /^token-1-web$/);
  }),
);
