/**
 * The few host mount operations volumes need: tmpfs for memory-backed emptyDirs, secrets and
 * projected volumes (as kubelet's emptyDir medium Memory), the mount table to find what is
 * mounted under a pod's directory, and unmounting. Uses mount(8)/umount(8), like kubelet's
 * mount-utils.
 */
import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Mount points from /proc/self/mountinfo, with the kernel's octal escapes (`\040`) decoded. */
export function mountPoints(): string[] {
  let text: string;
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' ')[4].replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8))));
}

/**
 * Whether `path` is a mount point, the way mount-utils' IsLikelyNotMountPoint decides: its device
 * differs from its parent's. Two stats instead of parsing the mount table, which grows with every
 * pod (rootfs, shm, volume tmpfs) and was read on each volume refresh of each pod. A bind mount
 * from the same filesystem is not seen, which is fine for the tmpfs mounts skiff makes.
 */
export function isMountPoint(path: string): boolean {
  try {
    return statSync(path).dev !== statSync(dirname(path)).dev;
  } catch {
    return false;
  }
}

/** Mount points at or below `dir`, deepest first (the order they must be unmounted in). */
export function mountsUnder(dir: string): string[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return mountPoints()
    .filter((m) => m === dir || m.startsWith(prefix))
    .sort((a, b) => b.length - a.length);
}

/** Mounts a tmpfs on `dir` (`size` in bytes when given), unless one is already there. */
export async function mountTmpfs(dir: string, sizeBytes?: number): Promise<void> {
  if (isMountPoint(dir)) return;
  const options = ['mode=0777'];
  if (sizeBytes !== undefined) options.push(`size=${Math.ceil(sizeBytes)}`);
  try {
    await run('mount', ['-t', 'tmpfs', '-o', options.join(','), 'tmpfs', dir]);
  } catch (err) {
    const stderr = String((err as { stderr?: string }).stderr ?? '').trim();
    throw new Error(`mount failed: ${stderr || (err as Error).message}`);
  }
}

/** Unmounts `dir`; a busy mount is detached lazily (umount -l), as kubelet's cleanup tolerates. */
export async function unmount(dir: string): Promise<void> {
  try {
    await run('umount', [dir]);
  } catch {
    await run('umount', ['-l', dir]);
  }
}
