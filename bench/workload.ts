/**
 * Shared pieces of the benchmark workloads: ConfigMap and Pod bodies, namespace setup, bounded
 * concurrent fan-out, and the "run when executed directly" check each bench file uses.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { H2Client } from './h2-client.ts';

/** ~1 KiB of ConfigMap data, the object size of the kine benchmark. */
export const PAYLOAD_BYTES = 1024;

const FILLER = 'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(Math.ceil(PAYLOAD_BYTES / 36) + 1);

/**
 * A ConfigMap with ~1 KiB of data whose content depends on `version`, so each update really
 * changes the object (Kubernetes skips the store write of an unchanged object).
 */
export function configMap(namespace: string, name: string, version: number, resourceVersion?: string): Record<string, unknown> {
  const stamp = `${version}:`;
  const metadata: Record<string, unknown> = { name, namespace, labels: { bench: 'skiff' } };
  if (resourceVersion) metadata.resourceVersion = resourceVersion;
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata, data: { payload: stamp + FILLER.slice(0, PAYLOAD_BYTES - stamp.length) } };
}

/**
 * {@link configMap} as request bytes, built from a string template instead of JSON.stringify of an
 * object: the load generator sends thousands per second and its CPU competes with the server's.
 * `namespace`, `name` and `resourceVersion` must need no JSON escaping (the benches' names do not).
 */
export function configMapBytes(namespace: string, name: string, version: number, resourceVersion?: string): Buffer {
  const stamp = `${version}:`;
  const rv = resourceVersion ? `,"resourceVersion":"${resourceVersion}"` : '';
  return Buffer.from(
    `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"${name}","namespace":"${namespace}","labels":{"bench":"skiff"}${rv}},` +
      `"data":{"payload":"${stamp}${FILLER.slice(0, PAYLOAD_BYTES - stamp.length)}"}}`,
  );
}

/** A minimal valid Pod (one container, image and name only). */
export function minimalPod(namespace: string, name: string): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace }, spec: { containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10' }] } };
}

/** Creates namespace `name`; 201 and 409 AlreadyExists both count as success. Throws otherwise. */
export async function ensureNamespace(client: Pick<H2Client, 'request'>, name: string): Promise<void> {
  const res = await client.request({ method: 'POST', path: '/api/v1/namespaces', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } });
  if (res.status !== 201 && res.status !== 409) throw new Error(`create namespace ${name}: ${res.status} ${res.error ?? res.body.toString().slice(0, 300)}`);
}

/**
 * Runs `task(i)` for i in [0, count) with at most `concurrency` in flight, stopping early at
 * `deadline` (performance.now() milliseconds). Resolves with how many tasks ran.
 */
export async function fanOut(count: number, concurrency: number, deadline: number, task: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count && performance.now() < deadline) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return next;
}

/** True when the module at `metaUrl` is the script node was started with (runnable-alone benches). */
export function isMain(metaUrl: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(fileURLToPath(metaUrl)) === realpathSync(entry);
  } catch {
    return false;
  }
}

/** Reads a positive number from environment variable `name`, else `fallback`. */
export function envNumber(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

/** Sleeps `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
