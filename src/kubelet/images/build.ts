import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { tarDirectory, writeImageLayout, type ImageRuntimeConfig } from './oci-layout.ts';

/** Host static busybox (Debian busybox-static) every offline image is made from. */
export const BUSYBOX_BIN = '/bin/busybox';

/** The PATH of the official busybox/nginx images. */
const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The page the official nginx image serves, so tests and users see the familiar text. */
export const NGINX_INDEX_HTML = `<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and working.
(This is skiff's offline stand-in: busybox httpd.)</p>
</body>
</html>
`;

/** One offline image: the file name of its OCI tarball and the references it carries. */
export interface OfflineImage {
  file: string;
  references: string[];
  config: ImageRuntimeConfig;
  /** Extra files (path inside the image -> content) on top of the busybox rootfs. */
  files?: Record<string, string>;
}

/**
 * The images `skiff images build` produces. The pause image's shell traps TERM/INT so the
 * sandbox stops promptly as PID 1 (which ignores unhandled signals); unlike Kubernetes' pause
 * it does not reap zombies. The nginx stand-in runs busybox httpd in the background of a
 * trapping shell for the same reason.
 */
export const OFFLINE_IMAGES: OfflineImage[] = [
  {
    file: 'busybox.tar',
    references: ['docker.io/library/busybox:latest', 'docker.io/library/busybox:1.36'],
    config: { Cmd: ['sh'], Env: [DEFAULT_PATH] },
  },
  {
    file: 'pause.tar',
    references: ['skiff.local/pause:3.10'],
    config: {
      Entrypoint: ['/bin/sh', '-c', 'trap "exit 0" TERM INT; while true; do sleep 3600 & wait $!; done'],
      Env: [DEFAULT_PATH],
      WorkingDir: '/',
    },
  },
  {
    file: 'nginx.tar',
    references: ['latest', '1.25', '1.26', '1.27'].map((tag) => `docker.io/library/nginx:${tag}`),
    config: {
      Entrypoint: ['/bin/sh', '-c', 'trap "exit 0" TERM INT QUIT; httpd -f -p 80 -h /usr/share/nginx/html & wait $!'],
      Env: [DEFAULT_PATH],
      ExposedPorts: { '80/tcp': {} },
      StopSignal: 'SIGQUIT',
    },
    files: { 'usr/share/nginx/html/index.html': NGINX_INDEX_HTML },
  },
];

/** Minimal /etc files: root and nobody, as in the official busybox image. */
const ETC_FILES: Record<string, string> = {
  'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n',
  'etc/group': 'root:x:0:\nnobody:x:65534:\n',
};

/** Stages busybox plus one symlink per applet (busybox --list-full gives each applet's path). */
function stageBusybox(root: string): void {
  for (const dir of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'root', 'tmp', 'var/log', 'proc', 'sys', 'dev', 'home']) {
    mkdirSync(join(root, dir), { recursive: true });
  }
  copyFileSync(BUSYBOX_BIN, join(root, 'bin/busybox'));
  const applets = execFileSync(BUSYBOX_BIN, ['--list-full'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const applet of applets) {
    if (applet === 'bin/busybox') continue;
    symlinkSync('/bin/busybox', join(root, applet));
  }
}

function writeFiles(root: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

/**
 * Builds every offline image as an OCI image-layout tarball in `outputDir` (created if needed)
 * and returns the written paths with their references. Needs only /bin/busybox and GNU tar; no
 * network. Import with `ctr --address SOCK -n k8s.io images import FILE`.
 */
export function buildOfflineImages(outputDir: string): { path: string; references: string[] }[] {
  mkdirSync(outputDir, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'skiff-images-'));
  try {
    return OFFLINE_IMAGES.map((image) => {
      const base = join(work, image.file.replace(/\.tar$/, ''));
      const root = join(base, 'rootfs');
      stageBusybox(root);
      writeFiles(root, { ...ETC_FILES, ...image.files });
      const layerTar = join(base, 'layer.tar');
      tarDirectory(root, layerTar);
      const layout = join(base, 'layout');
      writeImageLayout(layout, { layerTar, config: image.config, references: image.references });
      const path = join(outputDir, image.file);
      tarDirectory(layout, path, ['oci-layout', 'index.json', 'blobs']);
      return { path, references: image.references };
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
