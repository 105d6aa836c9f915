import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, copyFileSync, mkdirSync, openSync, readSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** An OCI content descriptor (image-spec descriptor.md). */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

/** The image config fields skiff's offline images set (image-spec config.md `config`). */
export interface ImageRuntimeConfig {
  Entrypoint?: string[];
  Cmd?: string[];
  Env?: string[];
  WorkingDir?: string;
  ExposedPorts?: Record<string, Record<string, never>>;
  StopSignal?: string;
}

/** One image to write: its layer (an uncompressed tar file), its config, and every full reference it is tagged with. */
export interface ImageSpecInput {
  layerTar: string;
  config: ImageRuntimeConfig;
  /** Full references, e.g. "docker.io/library/busybox:latest". */
  references: string[];
}

const MEDIA = {
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar',
  index: 'application/vnd.oci.image.index.v1+json',
};

/** `sha256:<hex>` of some bytes. */
export function sha256Digest(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

function putBlob(layoutDir: string, data: Buffer, mediaType: string): Descriptor {
  const digest = sha256Digest(data);
  writeFileSync(join(layoutDir, 'blobs', 'sha256', digest.slice('sha256:'.length)), data);
  return { mediaType, digest, size: data.length };
}

/**
 * Like putBlob for a file, read in 64 KiB chunks: a layer is megabytes, and the agent builds the
 * offline images in its own process on first start. A whole-file Buffer there left ~1.5 MiB of
 * fragmented malloc heap in the long-running agent (glibc raises its mmap threshold to the size
 * of a freed big block, so later allocations fragment the heap instead).
 */
function putBlobFile(layoutDir: string, path: string, mediaType: string): Descriptor {
  const hash = createHash('sha256');
  const chunk = Buffer.allocUnsafe(64 * 1024);
  const fd = openSync(path, 'r');
  let size = 0;
  try {
    for (let n = readSync(fd, chunk); n > 0; n = readSync(fd, chunk)) {
      hash.update(chunk.subarray(0, n));
      size += n;
    }
  } finally {
    closeSync(fd);
  }
  const digest = `sha256:${hash.digest('hex')}`;
  copyFileSync(path, join(layoutDir, 'blobs', 'sha256', digest.slice('sha256:'.length)));
  return { mediaType, digest, size };
}

/**
 * Writes an OCI image-layout directory holding `image` (oci-layout, blobs/sha256, index.json)
 * and returns the manifest descriptor. The index lists the manifest once per reference, with
 * `io.containerd.image.name` (the full name `ctr images import` registers) and
 * `org.opencontainers.image.ref.name` (the tag) annotations. The uncompressed layer's digest is
 * also its diff_id, and the creation time is the epoch so builds are reproducible.
 */
export function writeImageLayout(layoutDir: string, image: ImageSpecInput): Descriptor {
  mkdirSync(join(layoutDir, 'blobs', 'sha256'), { recursive: true });
  writeFileSync(join(layoutDir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const layer = putBlobFile(layoutDir, image.layerTar, MEDIA.layer);
  const config = {
    created: '1970-01-01T00:00:00Z',
    architecture: 'amd64',
    os: 'linux',
    config: image.config,
    rootfs: { type: 'layers', diff_ids: [layer.digest] },
    history: [{ created: '1970-01-01T00:00:00Z', created_by: 'skiff images build' }],
  };
  const configDesc = putBlob(layoutDir, Buffer.from(JSON.stringify(config)), MEDIA.config);
  const manifest = { schemaVersion: 2, mediaType: MEDIA.manifest, config: configDesc, layers: [layer] };
  const manifestDesc = putBlob(layoutDir, Buffer.from(JSON.stringify(manifest)), MEDIA.manifest);
  const manifests = image.references.map((ref) => ({
    ...manifestDesc,
    platform: { architecture: 'amd64', os: 'linux' },
    annotations: { 'io.containerd.image.name': ref, 'org.opencontainers.image.ref.name': ref.slice(ref.lastIndexOf(':') + 1) },
  }));
  writeFileSync(join(layoutDir, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.index, manifests }));
  return manifestDesc;
}

/** Deterministic GNU tar flags: sorted names, root ownership, epoch mtimes. */
const REPRODUCIBLE = ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '--format=posix',
  '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime'];

/** Tars directory `dir`'s contents into `file` with the host's GNU tar (reproducibly). */
export function tarDirectory(dir: string, file: string, entries: string[] = ['.']): void {
  const tmp = `${file}.partial`;
  execFileSync('tar', [...REPRODUCIBLE, '-cf', tmp, '-C', dir, ...entries]);
  renameSync(tmp, file);
}
