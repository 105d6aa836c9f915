/**
 * The kubelet's AtomicWriter (pkg/volume/util/atomic_writer.go) for configMap, secret,
 * downwardAPI and projected volumes: a payload is written into a fresh timestamped directory
 * (`..2024_05_01_10_00_00.123456789`), then the `..data` symlink is swapped to it with a rename,
 * so readers see either the whole old set or the whole new one. The names users see are symlinks
 * into `..data` (`key -> ..data/key`), which is why updates land in place.
 */
import { lstat, mkdir, readFile, readdir, readlink, rename, rm, stat, symlink, unlink, chmod, writeFile } from 'node:fs/promises';
import { randomInt } from 'node:crypto';
import { dirname, join } from 'node:path';

/** One file of a payload: its bytes and permission bits. */
export interface FileProjection {
  data: Buffer;
  mode: number;
}

/** Relative path -> file. Paths may have directories (`a/b`); each top-level name becomes a symlink. */
export type Payload = Map<string, FileProjection>;

const DATA_DIR = '..data';
const DATA_DIR_TMP = '..data_tmp';
/** Longest path and path element the writer accepts (Kubernetes: 4096 and 255). */
const MAX_PATH = 4096;
const MAX_ELEMENT = 255;

/** Rejects paths that could escape the volume or collide with the writer's own names. */
export function validatePayloadPath(path: string): void {
  if (path === '') throw new Error('invalid path: must not be empty');
  if (path.length > MAX_PATH) throw new Error(`invalid path: must be less than or equal to ${MAX_PATH} characters`);
  if (path.startsWith('/')) throw new Error('invalid path: must be relative path');
  for (const element of path.split('/')) {
    if (element.length > MAX_ELEMENT) throw new Error(`invalid path: must not contain an element longer than ${MAX_ELEMENT} characters`);
    if (element === '..') throw new Error("invalid path: must not contain '..'");
  }
  if (path.startsWith('..')) throw new Error("invalid path: must not start with '..'");
}

/** Go's "..2006_01_02_15_04_05." layout in UTC, followed by os.MkdirTemp's random digits. */
function timestampedName(now: number): string {
  const d = new Date(now);
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${d.getUTCFullYear()}_${pad(d.getUTCMonth() + 1)}_${pad(d.getUTCDate())}_${pad(d.getUTCHours())}_${pad(d.getUTCMinutes())}_${pad(d.getUTCSeconds())}`;
  return `..${stamp}.${randomInt(1e9)}`;
}

/** Every regular file below `dir`, as relative path -> projection. */
async function readTree(dir: string, prefix = ''): Promise<Payload> {
  const out: Payload = new Map();
  for (const entry of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) for (const [k, v] of await readTree(dir, rel)) out.set(k, v);
    else {
      const path = join(dir, rel);
      out.set(rel, { data: await readFile(path), mode: (await stat(path)).mode & 0o7777 });
    }
  }
  return out;
}

function samePayload(a: Payload, b: Payload): boolean {
  if (a.size !== b.size) return false;
  for (const [path, file] of a) {
    const other = b.get(path);
    if (!other || other.mode !== file.mode || !other.data.equals(file.data)) return false;
  }
  return true;
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

function topLevel(payload: Payload): Set<string> {
  return new Set([...payload.keys()].map((p) => p.split('/')[0]));
}

/** Writes the payload into a new timestamped dir; file modes are set exactly (no umask). */
async function writeTimestamped(targetDir: string, payload: Payload, now: number): Promise<string> {
  const name = timestampedName(now);
  const dir = join(targetDir, name);
  await mkdir(dir, { mode: 0o700 });
  await chmod(dir, 0o755);
  for (const [path, file] of payload) {
    const full = join(dir, path);
    await mkdir(dirname(full), { recursive: true, mode: 0o755 });
    await writeFile(full, file.data, { mode: file.mode });
    await chmod(full, file.mode);
  }
  return name;
}

/**
 * Makes `targetDir` hold exactly `payload`, atomically for readers. Does nothing (and resolves
 * false) when the current data already matches byte for byte and mode for mode. Rejects on
 * invalid paths before touching the disk.
 */
export async function writeAtomically(targetDir: string, payload: Payload, now: number = Date.now()): Promise<boolean> {
  for (const path of payload.keys()) validatePayloadPath(path);
  await mkdir(targetDir, { recursive: true });
  const dataLink = join(targetDir, DATA_DIR);
  let oldName: string | undefined;
  try {
    oldName = await readlink(dataLink);
  } catch {
    oldName = undefined;
  }
  const oldPayload = oldName ? await readTree(join(targetDir, oldName)).catch(() => undefined) : undefined;
  if (oldPayload && samePayload(oldPayload, payload)) return false;

  const newName = await writeTimestamped(targetDir, payload, now);
  const tmpLink = join(targetDir, DATA_DIR_TMP);
  await rm(tmpLink, { force: true });
  await symlink(newName, tmpLink);
  // rename(2) replaces ..data in one step: the swap readers never see half done.
  await rename(tmpLink, dataLink);

  const wanted = topLevel(payload);
  for (const name of wanted) {
    const visible = join(targetDir, name);
    if (!(await exists(visible))) await symlink(join(DATA_DIR, name), visible);
  }
  for (const name of oldPayload ? topLevel(oldPayload) : []) {
    if (!wanted.has(name)) await unlink(join(targetDir, name)).catch(() => undefined);
  }
  if (oldName && oldName !== newName) await rm(join(targetDir, oldName), { recursive: true, force: true });
  return true;
}
