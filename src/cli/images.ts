import { resolve } from 'node:path';
import type { Command } from 'commander';
import { buildOfflineImages } from '../kubelet/images/build.ts';

/**
 * `skiff images build --output DIR`: writes the offline OCI image tarballs (busybox, the
 * skiff.local/pause sandbox image, the nginx stand-in) to DIR and prints one line per file
 * with its references, ready for `ctr -n k8s.io images import`.
 */
export function registerImagesCommand(program: Command): void {
  const images = program.command('images').description('Manage the images skiff builds offline');
  images
    .command('build')
    .description('Build busybox, pause and nginx stand-in images as OCI tarballs from the host busybox')
    .requiredOption('--output <dir>', 'directory to write the image tarballs to')
    .action((flags: { output: string }) => {
      for (const image of buildOfflineImages(resolve(flags.output))) {
        process.stdout.write(`${image.path}\t${image.references.join(',')}\n`);
      }
    });
}
