/**
 * hostPath type checks (pkg/volume/hostpath checkTypeInternal): the `...OrCreate` types create a
 * missing directory (0755, with parents) or empty file (0644); the others require what they name
 * and fail with kubelet's `hostPath type check failed: ...` message.
 */
import { closeSync, lstatSync, mkdirSync, openSync, statSync, type Stats } from 'node:fs';

function statOf(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    // A dangling symlink still exists for the OrCreate checks.
    try {
      return lstatSync(path);
    } catch {
      return undefined;
    }
  }
}

function failed(path: string, what: string): Error {
  return new Error(`hostPath type check failed: ${path} is not ${what}`);
}

/** Checks (and for the OrCreate types, creates) `path` per the hostPath `type`. Throws on mismatch. */
export function checkHostPathType(path: string, type: string | undefined): void {
  const st = statOf(path);
  switch (type ?? '') {
    case '':
      return;
    case 'DirectoryOrCreate':
      if (!st) {
        mkdirSync(path, { recursive: true, mode: 0o755 });
        return;
      }
    // falls through: an existing path must be a directory
    case 'Directory':
      if (!st?.isDirectory()) throw failed(path, 'a directory');
      return;
    case 'FileOrCreate':
      if (!st) {
        closeSync(openSync(path, 'a', 0o644));
        return;
      }
    // falls through: an existing path must be a file
    case 'File':
      if (!st?.isFile()) throw failed(path, 'a file');
      return;
    case 'Socket':
      if (!st?.isSocket()) throw failed(path, 'a socket file');
      return;
    case 'CharDevice':
      if (!st?.isCharacterDevice()) throw failed(path, 'a character device');
      return;
    case 'BlockDevice':
      if (!st?.isBlockDevice()) throw failed(path, 'a block device');
      return;
    default:
      throw new Error(`${type} is an invalid volume type`);
  }
}
