import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildOfflineImages } from './build.ts';
import { sha256Digest } from './oci-layout.ts';

function tarRead(tarFile: string, member: string): Buffer {
  return execFileSync('tar', ['-xOf', tarFile, member], { maxBuffer: 64 * 1024 * 1024 });
}

test('builds OCI layouts whose digests, diff_ids and references are consistent', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-images-test-'));
  try {
    const images = buildOfflineImages(dir);
    assert.deepEqual(images.map((i) => i.references[0]), ['docker.io/library/busybox:latest', 'skiff.local/pause:3.10', 'docker.io/library/nginx:latest']);
    const nginx = join(dir, 'nginx.tar');
    assert.deepEqual(JSON.parse(tarRead(nginx, 'oci-layout').toString()), { imageLayoutVersion: '1.0.0' });
    const index = JSON.parse(tarRead(nginx, 'index.json').toString());
    assert.deepEqual(index.manifests.map((m: { annotations: Record<string, string> }) => m.annotations['io.containerd.image.name']),
      ['latest', '1.25', '1.26', '1.27'].map((t) => `docker.io/library/nginx:${t}`));
    const blob = (digest: string): Buffer => {
      const data = tarRead(nginx, `blobs/sha256/${digest.slice(7)}`);
      assert.equal(sha256Digest(data), digest, `blob ${digest} content matches its name`);
      return data;
    };
    const manifest = JSON.parse(blob(index.manifests[0].digest).toString());
    const config = JSON.parse(blob(manifest.config.digest).toString());
    assert.equal(config.os, 'linux');
    assert.equal(config.architecture, 'amd64');
    assert.deepEqual(config.rootfs.diff_ids, [manifest.layers[0].digest]);
    const layer = blob(manifest.layers[0].digest);
    assert.equal(layer.length, manifest.layers[0].size);
    const layerFile = join(dir, 'layer.tar');
    execFileSync('sh', ['-c', `tar -xOf "${nginx}" blobs/sha256/${manifest.layers[0].digest.slice(7)} > "${layerFile}"`]);
    const listing = execFileSync('tar', ['-tvf', layerFile], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    assert.match(listing, /\.\/bin\/sh -> \/bin\/busybox/);
    assert.match(listing, /\.\/usr\/share\/nginx\/html\/index\.html/);
    assert.match(tarRead(layerFile, './usr/share/nginx/html/index.html').toString(), /Welcome to nginx!/);
    assert.ok(readFileSync(join(dir, 'busybox.tar')).length > 1_000_000, 'busybox binary is inside');
    // Reproducible: a second build yields the same manifest digest.
    const again = JSON.parse(tarRead(buildOfflineImages(join(dir, 'again'))[2]!.path, 'index.json').toString());
    assert.equal(again.manifests[0].digest, index.manifests[0].digest);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
