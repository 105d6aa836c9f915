import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
/** Host `ctr` (Debian's containerd package ships it). */
export const CTR_BIN = '/usr/bin/ctr';

/**
 * k3s's air-gap images: imports every `*.tar` in `imagesDir` into containerd's k8s.io namespace
 * (where the CRI plugin looks). A file already imported with the same size and mtime is skipped
 * (the record lives in `stateFile`), so restarts stay fast. Returns the files imported now.
 */
export async function importImageTarballs(socket: string, imagesDir: string, stateFile: string): Promise<string[]> {
  if (!existsSync(imagesDir)) return [];
  let done: Record<string, string> = {};
  try {
    done = JSON.parse(readFileSync(stateFile, 'utf8')) as Record<string, string>;
  } catch {
    done = {};
  }
  const imported: string[] = [];
  for (const name of readdirSync(imagesDir).filter((n) => n.endsWith('.tar')).sort()) {
    const path = join(imagesDir, name);
    const st = statSync(path);
    const stamp = `${st.size}:${st.mtimeMs}`;
    if (done[path] === stamp) continue;
    await run(CTR_BIN, ['--address', socket, '-n', 'k8s.io', 'images', 'import', path], { timeout: 120_000 });
    done[path] = stamp;
    imported.push(path);
  }
  writeFileSync(stateFile, JSON.stringify(done));
  return imported;
}
